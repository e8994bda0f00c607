import * as pulumi from "@pulumi/pulumi";

/** One IAM Allow statement: exact actions on exact resources. No wildcards: the policy pack rejects them. */
export interface AllowStatement {
    Sid?: string;
    Action: string[];
    Resource: pulumi.Input<string>[];
}

/** Reads that a Lambda SQS event source mapping needs on its queue (AWSLambdaSQSQueueExecutionRole, scoped). */
export const SQS_CONSUME_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];

/** Serializes statements as an IAM policy document (resolved when every ARN is known). */
export function policyDocument(statements: pulumi.Input<AllowStatement>[]): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: pulumi.output(statements).apply((resolved) => resolved.map((s) => ({ Effect: "Allow", ...s }))),
    });
}

/** A resource-policy statement that denies any request not made over TLS (AWS SQS/SNS security best practice). */
export function denyInsecureTransport(action: string, resource: pulumi.Input<string>) {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: action,
        Resource: resource,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/** A resource-policy statement letting one AWS service send on behalf of one source ARN only (confused-deputy guard). */
export function allowServiceFromSource(sid: string, service: string, action: string, resource: pulumi.Input<string>, sourceArn: pulumi.Input<string>) {
    return {
        Sid: sid,
        Effect: "Allow",
        Principal: { Service: service },
        Action: action,
        Resource: resource,
        Condition: { ArnEquals: { "aws:SourceArn": sourceArn } },
    };
}
