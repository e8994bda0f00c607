// Least privilege: exact actions on exact resources, no admin managed policies, service principals scoped to
// the resource acting (aws:SourceArn / aws:SourceAccount), Lambda permissions with a source ARN.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { asList, peek, policyDocuments, statements, UNKNOWN } from "./lib";

const DOCUMENT_TYPES = [
    "aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy",
    "aws:iam/role:Role", "aws:sqs/queuePolicy:QueuePolicy", "aws:sns/topicPolicy:TopicPolicy",
];
const isWildcardAction = (action: string) => action === "*" || /^[a-z0-9-]+:\*$/i.test(action);

/** Allow statements only: a Deny may and should be broad (e.g. deny every sqs:* call without TLS). */
function allowStatements(r: { type: string; props: any }) {
    return policyDocuments(r).flatMap((doc) => {
        const list = statements(doc);
        return list === UNKNOWN ? [] : list.filter((s) => s.Effect === "Allow");
    });
}

export const noWildcardActions: ResourceValidationPolicy = {
    name: "iam-no-wildcard-actions",
    description: "IAM and resource policies may not allow \"*\" or \"service:*\" actions, nor NotAction: list the exact API actions the principal calls.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!DOCUMENT_TYPES.includes(args.type)) return;
        for (const s of allowStatements(args)) {
            if (s.NotAction !== undefined) report(`statement ${s.Sid ?? "(no Sid)"} allows NotAction ${JSON.stringify(s.NotAction)}: everything else is allowed`);
            const wild = asList(s.Action).filter(isWildcardAction);
            if (wild.length > 0) report(`statement ${s.Sid ?? "(no Sid)"} allows ${wild.join(", ")}: list the exact actions instead`);
        }
    },
};

export const noWildcardResources: ResourceValidationPolicy = {
    name: "iam-no-wildcard-resources",
    description: "Identity policies may not allow actions on Resource \"*\" unless AWS offers no resource-level permission for every action in the statement (listed in the policy's config).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            actionsWithoutResourceLevelPermissions: {
                type: "array",
                items: { type: "string" },
                // Actions AWS documents with no resource type (Service Authorization Reference).
                default: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData", "sqs:ListQueues", "sns:ListTopics", "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"],
            },
        },
    },
    validateResource: (args, report) => {
        if (!DOCUMENT_TYPES.includes(args.type) || args.type.startsWith("aws:sqs/") || args.type.startsWith("aws:sns/")) return;
        const exempt = new Set(args.getConfig<{ actionsWithoutResourceLevelPermissions: string[] }>().actionsWithoutResourceLevelPermissions);
        for (const s of allowStatements(args)) {
            if (!asList(s.Resource).includes("*")) continue;
            const scoped = asList(s.Action).filter((a) => !exempt.has(a));
            if (scoped.length > 0) report(`statement ${s.Sid ?? "(no Sid)"} allows ${scoped.join(", ")} on Resource "*": name the ARNs`);
        }
    },
};

const ADMIN_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\/(.*\/)?(AdministratorAccess|PowerUserAccess|IAMFullAccess|[A-Za-z0-9]*FullAccess[A-Za-z0-9_]*)$/;

export const noAdminManagedPolicies: ResourceValidationPolicy = {
    name: "iam-no-admin-managed-policies",
    description: "Roles may not attach AWS managed AdministratorAccess, PowerUserAccess or *FullAccess policies: grant the exact actions in an inline policy.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const arns: unknown[] = [];
        if (args.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" || args.type === "aws:iam/policyAttachment:PolicyAttachment") arns.push(peek(args.props, "policyArn"));
        if (args.type === "aws:iam/role:Role") {
            const managed = peek(args.props, "managedPolicyArns");
            if (managed !== UNKNOWN) arns.push(...asList(managed));
        }
        for (const arn of arns) if (typeof arn === "string" && ADMIN_POLICY.test(arn)) report(`attaches ${arn}`);
    },
};

const SOURCE_KEYS = ["aws:sourcearn", "aws:sourceaccount", "aws:sourceowner"];

export const servicePrincipalsScoped: ResourceValidationPolicy = {
    name: "service-principal-source-condition",
    description: "A queue or topic policy that allows an AWS service principal must condition it on aws:SourceArn (or aws:SourceAccount), or any resource of that service in any account can use it (confused deputy).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== "aws:sqs/queuePolicy:QueuePolicy" && args.type !== "aws:sns/topicPolicy:TopicPolicy") return;
        for (const s of allowStatements(args)) {
            const principal = s.Principal as { Service?: string | string[] } | undefined;
            const services = typeof principal === "object" && principal !== null ? asList(principal.Service) : [];
            if (services.length === 0) continue;
            const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c).map((k) => k.toLowerCase()));
            if (!keys.some((k) => SOURCE_KEYS.includes(k))) report(`statement ${s.Sid ?? "(no Sid)"} allows ${services.join(", ")} without an aws:SourceArn or aws:SourceAccount condition`);
        }
    },
};

export const lambdaPermissionSourceArn: ResourceValidationPolicy = {
    name: "lambda-permission-source-arn",
    description: "A Lambda permission for an AWS service principal must set sourceArn, so only that rule, topic or bucket can invoke the function.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== "aws:lambda/permission:Permission") return;
        const principal = peek(args.props, "principal");
        if (typeof principal !== "string" || !principal.endsWith(".amazonaws.com")) return;
        const sourceArn = peek(args.props, "sourceArn");
        if (sourceArn === undefined || sourceArn === null || sourceArn === "") report(`lets ${principal} invoke the function without sourceArn`);
    },
};

export const leastPrivilegePolicies = [noWildcardActions, noWildcardResources, noAdminManagedPolicies, servicePrincipalsScoped, lambdaPermissionSourceArn];
