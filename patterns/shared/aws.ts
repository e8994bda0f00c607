// The AWS provider's services the lab uses, one module each. `import * as aws from "@pulumi/aws"` makes tsc read
// every service's declarations (~4,000 files); these few keep the type-check to the ones the program needs.
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as dynamodb from "@pulumi/aws/dynamodb";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as lambda from "@pulumi/aws/lambda";
export * as sns from "@pulumi/aws/sns";
export * as sqs from "@pulumi/aws/sqs";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export { getPartitionOutput } from "@pulumi/aws/getPartition";
export { getRegionOutput } from "@pulumi/aws/getRegion";
export type { Region } from "@pulumi/aws/types/enums";
