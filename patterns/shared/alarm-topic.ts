import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { awsContext } from "./aws-context";
import { denyInsecureTransport } from "./iam";

export interface AlarmTopicArgs {
    /** Subscribed by e-mail when given (AWS sends a confirmation mail first). */
    email?: string;
}

/**
 * The one SNS topic every alarm of the stack notifies. Encrypted with a customer managed key that admits
 * CloudWatch: alarms cannot publish to a topic encrypted with the AWS managed key alias/aws/sns.
 */
export class AlarmTopic extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly topic: aws.sns.Topic;
    readonly topicPolicy: aws.sns.TopicPolicy;
    readonly emailSubscription?: aws.sns.TopicSubscription;

    constructor(name: string, args: AlarmTopicArgs, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:shared:AlarmTopic", name, {}, opts);
        const { accountId, region, partition } = awsContext();
        const alarmSourceArn = pulumi.interpolate`arn:${partition}:cloudwatch:${region}:${accountId}:alarm:*`;

        this.key = new aws.kms.Key(`${name}-key`, {
            description: "Encrypts the alarm topic; admits CloudWatch alarms from this account",
            enableKeyRotation: true,
            deletionWindowInDays: 7,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        // The default key policy: the account administers the key through IAM (KMS developer guide).
                        Sid: "AccountAdministersKey",
                        Effect: "Allow",
                        Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` },
                        Action: "kms:*",
                        Resource: "*",
                    },
                    {
                        Sid: "CloudWatchAlarmsPublish",
                        Effect: "Allow",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                    },
                ],
            }),
        }, { parent: this });

        this.topic = new aws.sns.Topic(`${name}`, { kmsMasterKeyId: this.key.arn }, { parent: this });

        this.topicPolicy = new aws.sns.TopicPolicy(`${name}-policy`, {
            arn: this.topic.arn,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "CloudWatchAlarmsPublish",
                        Effect: "Allow",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: "sns:Publish",
                        Resource: this.topic.arn,
                        Condition: { ArnLike: { "aws:SourceArn": alarmSourceArn }, StringEquals: { "aws:SourceAccount": accountId } },
                    },
                    denyInsecureTransport("sns:Publish", this.topic.arn),
                ],
            }),
        }, { parent: this });

        if (args.email) {
            this.emailSubscription = new aws.sns.TopicSubscription(`${name}-email`, {
                topic: this.topic.arn,
                protocol: "email",
                endpoint: args.email,
            }, { parent: this });
        }
        this.registerOutputs({ topicArn: this.topic.arn });
    }
}
