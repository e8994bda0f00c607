import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { FUNCTION_ERRORS, FUNCTION_RECURSIVE_INVOCATIONS_DROPPED, FUNCTION_THROTTLES } from "./alarm-definitions";
import { alarmOn } from "./alarms";
import { handlerArchive } from "./bundle";
import { METRICS_NAMESPACE } from "./dashboard";
import { AllowStatement, policyDocument } from "./iam";
import { FUNCTION_NODE_OPTIONS, LAMBDA_RUNTIME } from "./runtime";

export interface ObservedFunctionArgs {
    /** Folder under functions/ holding the handler's index.ts. */
    handler: string;
    description: string;
    timeoutSeconds: number;
    memorySizeMb: number;
    /** Permissions beyond writing its own logs, each on exact ARNs. */
    statements: pulumi.Input<AllowStatement>[];
    environment?: Record<string, pulumi.Input<string>>;
    logRetentionDays: number;
    alarmTopicArn: pulumi.Input<string>;
}

/**
 * A Lambda function (Node.js 24, arm64, esbuild bundle) with its own log group, created first and set as the
 * function's JSON log destination so Lambda never creates one the stack does not own; a role allowed exactly
 * what `statements` list plus writing to that log group; recursive loop detection set to Terminate; and Errors,
 * Throttles and RecursiveInvocationsDropped alarms.
 */
export class ObservedFunction extends pulumi.ComponentResource {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;
    readonly function: aws.lambda.Function;
    readonly errorsAlarm: aws.cloudwatch.MetricAlarm;
    readonly throttlesAlarm: aws.cloudwatch.MetricAlarm;
    readonly recursionConfig: aws.lambda.FunctionRecursionConfig;
    readonly recursionDroppedAlarm: aws.cloudwatch.MetricAlarm;
    /** The handler's POWERTOOLS_SERVICE_NAME: the `service` dimension of its EMF metrics. */
    readonly serviceName: string;

    constructor(name: string, args: ObservedFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:shared:ObservedFunction", name, {}, opts);
        this.serviceName = name;
        if (!Number.isInteger(args.timeoutSeconds) || args.timeoutSeconds < 1 || args.timeoutSeconds > 900) {
            throw new Error(`${name}: timeoutSeconds ${args.timeoutSeconds} is outside 1–900`);
        }
        const child = { parent: this };

        this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
            name: `/aws/lambda/${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
            retentionInDays: args.logRetentionDays,
        }, child);

        this.role = new aws.iam.Role(`${name}-role`, {
            description: `Execution role of ${name}: its own log group and the listed resources only`,
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
        }, child);

        this.rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, {
            role: this.role.id,
            policy: policyDocument([
                // The group exists already, so no logs:CreateLogGroup; streams live under "<group arn>:*".
                { Sid: "WriteOwnLogs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [pulumi.interpolate`${this.logGroup.arn}:*`] },
                ...args.statements,
            ]),
        }, child);

        this.function = new aws.lambda.Function(name, {
            description: args.description,
            runtime: LAMBDA_RUNTIME,
            architectures: ["arm64"],
            handler: "index.handler",
            code: handlerArchive(args.handler),
            role: this.role.arn,
            timeout: args.timeoutSeconds,
            memorySize: args.memorySizeMb,
            environment: {
                variables: {
                    ...(FUNCTION_NODE_OPTIONS ? { NODE_OPTIONS: FUNCTION_NODE_OPTIONS } : {}),
                    POWERTOOLS_SERVICE_NAME: this.serviceName,
                    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
                    ...args.environment,
                },
            },
            loggingConfig: {
                logFormat: "JSON",
                logGroup: this.logGroup.name,
                applicationLogLevel: "INFO",
                systemLogLevel: "WARN",
            },
        }, { parent: this, dependsOn: [this.logGroup, this.rolePolicy] });

        this.errorsAlarm = alarmOn(name, FUNCTION_ERRORS, { function: this.function }, args.alarmTopicArn, child);

        this.throttlesAlarm = alarmOn(name, FUNCTION_THROTTLES, { function: this.function }, args.alarmTopicArn, child);

        // Terminate is Lambda's default, stated so the pack can check it and nobody flips it unseen: Lambda then stops a
        // loop through SQS, SNS or S3 after about 16 invocations of one chain (Use Lambda recursive loop detection).
        this.recursionConfig = new aws.lambda.FunctionRecursionConfig(`${name}-recursion`, {
            functionName: this.function.name,
            recursiveLoop: "Terminate",
        }, child);
        this.recursionDroppedAlarm = alarmOn(name, FUNCTION_RECURSIVE_INVOCATIONS_DROPPED, { function: this.function }, args.alarmTopicArn, child);

        this.registerOutputs({ functionName: this.function.name, functionArn: this.function.arn });
    }
}
