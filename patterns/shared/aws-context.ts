import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";

/** Account, region and partition of the deploying provider, for ARNs no resource returns (looked up once). */
export interface AwsContext {
    accountId: pulumi.Output<string>;
    region: pulumi.Output<string>;
    partition: pulumi.Output<string>;
}

let context: AwsContext | undefined;

export function awsContext(): AwsContext {
    context ??= {
        accountId: aws.getCallerIdentityOutput().accountId,
        region: aws.getRegionOutput().region,
        partition: aws.getPartitionOutput().partition,
    };
    return context;
}
