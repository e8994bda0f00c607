// What the simulated services refuse at their entry points, said as the service says it: the error name the SDK
// raises (InvalidParameterValue, InvalidMessageContents, BatchRequestTooLong, ValidationException, ...) and its
// message. The limits themselves live with the handlers (functions/shared/aws-limits.ts), the pages in docs/limits.md.
import type { SQSMessageAttributes } from "aws-lambda";
import { AttributeValue, messageSize, SQS_MAX_MESSAGE_ATTRIBUTES, sqsRefusedCharacter } from "../../functions/shared/aws-limits";

/** A request a service refuses: `name` is the error code AWS returns (the SDK's exception name). */
export class ServiceRefusal extends Error {
    constructor(name: string, message: string) {
        super(message);
        this.name = name;
    }
}

/** SQS's wording for a refused character (the set is the one SendMessage documents). */
export const SQS_CHARACTER_SET = "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";

/** The Lambda-event spelling of SQS attributes (the lab's queues keep them so) as SendMessage takes them. */
export function sqsAttributeValues(attributes: SQSMessageAttributes): Record<string, AttributeValue> {
    const out: Record<string, AttributeValue> = {};
    for (const [name, a] of Object.entries(attributes)) {
        out[name] = { DataType: a.dataType, ...(a.binaryValue !== undefined ? { BinaryValue: Buffer.from(a.binaryValue, "base64") } : { StringValue: a.stringValue }) };
    }
    return out;
}

/** The attributes of a message that has none, shared: sqsMessageRefusal skips what only attributes can fail. */
export const NO_SQS_ATTRIBUTES: Readonly<Record<string, AttributeValue>> = Object.freeze({});

/**
 * Whether SQS takes a message (SendMessage, "Amazon SQS message quotas", "Amazon SQS message attributes"): a body of
 * at least one character, only the allowed characters in the body and in String values, at most 10 attributes, each
 * with a valid name (≤ 256 characters of A-Z a-z 0-9 _ - ., no AWS./Amazon. prefix, no leading, trailing or double
 * period), a String, Number or Binary type and a value, and body plus attributes within the queue's MaximumMessageSize.
 */
export function sqsMessageRefusal(body: string, attributes: Readonly<Record<string, AttributeValue>>, maximumMessageSize: number): ServiceRefusal | undefined {
    if (body.length === 0) return new ServiceRefusal("MissingParameter", "The request must contain the parameter MessageBody.");
    const bad = sqsRefusedCharacter(body);
    if (bad) return new ServiceRefusal("InvalidMessageContents", `Invalid binary character '${bad}' was found in the message body, the set of allowed characters is ${SQS_CHARACTER_SET}`);
    if (attributes === NO_SQS_ATTRIBUTES) {
        // A UTF-16 unit is at most 3 UTF-8 bytes: a body this short fits without counting its bytes.
        if (body.length * 3 <= maximumMessageSize) return undefined;
        return messageSize(body) > maximumMessageSize ? tooLong(maximumMessageSize) : undefined;
    }
    const names = Object.keys(attributes);
    if (names.length > SQS_MAX_MESSAGE_ATTRIBUTES) {
        return new ServiceRefusal("InvalidParameterValue", `Number of message attributes [${names.length}] exceeds the allowed maximum [${SQS_MAX_MESSAGE_ATTRIBUTES}].`);
    }
    for (const [name, a] of Object.entries(attributes)) {
        if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name) || /^(aws|amazon)\./i.test(name) || name.startsWith(".") || name.endsWith(".") || name.includes("..")) {
            return new ServiceRefusal("InvalidParameterValue", `Message (user) attribute name '${name}' is invalid: allowed up to 256 of A-Z a-z 0-9 _ - ., no AWS. or Amazon. prefix, no leading, trailing or successive periods.`);
        }
        if (!/^(String|Number|Binary)(\.[\x21-\x7e]+)?$/.test(a.DataType ?? "") || (a.DataType ?? "").length > 256) {
            return new ServiceRefusal("InvalidParameterValue", `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
        }
        const binary = a.DataType!.startsWith("Binary");
        const value = binary ? a.BinaryValue : a.StringValue;
        if (value === undefined || value.length === 0) return new ServiceRefusal("InvalidParameterValue", `Message (user) attribute '${name}' must contain a non-empty value of type '${a.DataType}'.`);
        const badValue = binary ? undefined : sqsRefusedCharacter(a.StringValue!);
        if (badValue) return new ServiceRefusal("InvalidMessageContents", `Invalid binary character '${badValue}' was found in the value of message attribute '${name}', the set of allowed characters is ${SQS_CHARACTER_SET}`);
    }
    return messageSize(body, attributes) > maximumMessageSize ? tooLong(maximumMessageSize) : undefined;
}

function tooLong(maximumMessageSize: number): ServiceRefusal {
    return new ServiceRefusal("InvalidParameterValue", `One or more parameters are invalid. Reason: Message must be shorter than ${maximumMessageSize} bytes.`);
}
