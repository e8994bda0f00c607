// Runs the lab's Pulumi program in-process under mocks and records every resource it registers, with the
// inputs, parent, dependencies and property dependencies the engine would see.
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../patterns/config";
import { prebundleHandlers } from "../patterns/shared/bundle";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const STACK = "test";

export interface RecordedResource {
    type: string;
    name: string;
    urn: string;
    custom: boolean;
    parent: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    /** Inputs as the program passed them (outputs resolved). */
    inputs: Record<string, any>;
    /** State the mock returned: inputs plus the ids, names and ARNs AWS would assign. */
    state: Record<string, any>;
    /** The inputs as the engine received them (unknowns as the engine's sentinel), for the policy analyzer. */
    wireInputs: Record<string, unknown>;
}

export interface ProgramRun {
    resources: RecordedResource[];
    /** The program's stack outputs, resolved. */
    outputs: Record<string, any>;
    /** The error that stopped the program, if it stopped. */
    error?: Error;
}

const ROOT = path.resolve(__dirname, "..");

// Every test file that runs the program imports this module while mocha loads the files: esbuild bundles the
// handlers in its own process meanwhile, and the first program run finds them done.
prebundleHandlers();

function shortHash(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, 7);
}

/** The ids and attributes AWS assigns on create, for the types the lab uses. */
function physicalState(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
    const autoName = `${name}-${shortHash(type + name)}`;
    const physical: string = inputs.name ?? (inputs.fifoQueue || inputs.fifoTopic ? `${autoName}.fifo` : autoName);
    const arn = (service: string, resource: string, region = REGION) => `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;
    switch (type) {
        case "aws:sqs/queue:Queue": {
            const url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physical}`;
            return { id: url, state: { name: physical, arn: arn("sqs", physical), url } };
        }
        case "aws:lambda/function:Function":
            return { id: physical, state: { name: physical, arn: arn("lambda", `function:${physical}`), invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn("lambda", `function:${physical}`)}/invocations` } };
        case "aws:iam/role:Role":
            return { id: physical, state: { name: physical, arn: arn("iam", `role/${physical}`, "") } };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { id: physical, state: { name: physical, arn: arn("logs", `log-group:${physical}`) } };
        case "aws:sns/topic:Topic":
            return { id: arn("sns", physical), state: { name: physical, arn: arn("sns", physical) } };
        case "aws:kms/key:Key": {
            const keyId = crypto.createHash("md5").update(name).digest("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
            return { id: keyId, state: { keyId, arn: arn("kms", `key/${keyId}`) } };
        }
        case "aws:cloudwatch/metricAlarm:MetricAlarm":
            return { id: physical, state: { name: physical, arn: arn("cloudwatch", `alarm:${physical}`) } };
        case "aws:lambda/eventSourceMapping:EventSourceMapping": {
            const uuid = crypto.createHash("md5").update(name).digest("hex");
            return { id: uuid, state: { uuid, arn: arn("lambda", `event-source-mapping:${uuid}`) } };
        }
        case "aws:cloudwatch/eventBus:EventBus":
            return { id: physical, state: { name: physical, arn: arn("events", `event-bus/${physical}`) } };
        case "aws:cloudwatch/eventRule:EventRule": {
            const bus = inputs.eventBusName ?? "default";
            return { id: `${bus}|${physical}`, state: { name: physical, arn: arn("events", bus === "default" ? `rule/${physical}` : `rule/${bus}/${physical}`) } };
        }
        case "aws:cloudwatch/eventArchive:EventArchive":
            return { id: physical, state: { name: physical, arn: arn("events", `archive/${physical}`) } };
        case "aws:sns/topicSubscription:TopicSubscription": {
            const subscriptionArn = `${inputs.topic}:${crypto.createHash("md5").update(name).digest("hex")}`;
            return { id: subscriptionArn, state: { arn: subscriptionArn } };
        }
        case "aws:dynamodb/table:Table":
            return { id: physical, state: { name: physical, arn: arn("dynamodb", `table/${physical}`) } };
        case "aws:cloudwatch/logDeliverySource:LogDeliverySource":
            return { id: physical, state: { name: physical, arn: arn("logs", `delivery-source:${physical}`) } };
        case "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination":
            return { id: physical, state: { name: physical, arn: arn("logs", `delivery-destination:${physical}`) } };
        case "aws:cloudwatch/logDelivery:LogDelivery": {
            const id = shortHash(`delivery:${name}`).repeat(2);
            return { id, state: { arn: arn("logs", `delivery:${id}`) } };
        }
        default:
            return { id: `${physical}-id`, state: {} };
    }
}

/** Types whose `name` the provider's Check fills in (auto-naming) when the program leaves it unset. */
const AUTONAMED = new Set(["aws:sqs/queue:Queue", "aws:lambda/function:Function", "aws:iam/role:Role", "aws:sns/topic:Topic",
    "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/eventBus:EventBus", "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventArchive:EventArchive", "aws:dynamodb/table:Table", "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource", "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination"]);

export class RecordingMocks implements pulumi.runtime.Mocks {
    constructor(private readonly preview: boolean) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        if (!args.custom) return { id: "", state: {} };
        const { id, state } = physicalState(args.type, args.name, args.inputs);
        // A preview of a new stack knows the inputs and the auto-names Check adds; ARNs, URLs and ids stay unknown.
        if (this.preview) return { id: undefined, state: { ...args.inputs, ...(AUTONAMED.has(args.type) ? { name: state.name } : {}) } };
        return { id, state: { ...args.inputs, ...state } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/test`, userId: "AIDATEST", id: ACCOUNT };
            case "aws:index/getRegion:getRegion":
                return { name: REGION, region: REGION, id: REGION, description: "US East (N. Virginia)" };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
            default:
                throw new Error(`no mock for call ${args.token}`);
        }
    }
}

/** Resolves once every RPC the program started (registrations, invokes) has finished. */
async function settle(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { getStore } = require("@pulumi/pulumi/runtime/state");
    const settings = getStore().settings;
    let done: Promise<void> | undefined;
    while (done !== settings.rpcDone) {
        done = settings.rpcDone;
        await done;
    }
}

function resolveOutputs(value: unknown): Promise<any> {
    // Output's internal promise(withUnknowns): apply never runs on an unknown, which every preview output may be.
    return (pulumi.output(value) as unknown as { promise(withUnknowns: boolean): Promise<any> }).promise(true);
}

/** Forgets the program's modules so the next require runs it again (the program runs once per import). */
function forgetProgram(): void {
    const forgotten = new Set<NodeModule>();
    for (const [file, module] of Object.entries(require.cache)) {
        // The bundler stays loaded: its memo keeps one esbuild run per handler per process (sources do not change mid-run).
        if (module && file.startsWith(ROOT) && !file.includes(`${path.sep}node_modules${path.sep}`) && !file.startsWith(path.join(ROOT, "test"))
            && file !== path.join(ROOT, "patterns", "shared", "bundle.ts")) {
            forgotten.add(module);
            delete require.cache[file];
        }
    }
    // require.cache is not the only reference: each importer lists the module in `children`, which would keep every
    // earlier run's program (its resources and their pending promises) reachable for the life of the process.
    for (const module of Object.values(require.cache)) {
        if (module?.children.some((child) => forgotten.has(child))) module.children = module.children.filter((child) => !forgotten.has(child));
    }
}

/**
 * Runs `index.ts` with the given project config (values that are not strings are stored as JSON, as
 * `pulumi config set --path` does) and returns everything it registered; `project` and `stack` name the stack it
 * runs in (default serverless-patterns-lab / test).
 */
export async function runProgram(config: Record<string, unknown> = {}, options: { preview?: boolean; project?: string; stack?: string } = {}): Promise<ProgramRun> {
    const project = options.project ?? PROJECT;
    const all: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        all[key.includes(":") ? key : `${project}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    await pulumi.runtime.setMocks(new RecordingMocks(options.preview ?? false), project, options.stack ?? STACK, options.preview ?? false);
    pulumi.runtime.setAllConfig(all);

    const resources: RecordedResource[] = [];
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps: any, key: string) => { propertyDependencies[key] = deps.getUrnsList(); });
        register(req, (err: any, resp: any) => {
            if (!err) {
                resources.push({
                    type: req.getType(),
                    name: req.getName(),
                    urn: resp.getUrn(),
                    custom: req.getCustom(),
                    parent: req.getParent(),
                    dependencies: req.getDependenciesList(),
                    propertyDependencies,
                    inputs: pulumi.runtime.deserializeProperties(req.getObject()),
                    state: pulumi.runtime.deserializeProperties(resp.getObject()),
                    wireInputs: req.getObject()?.toJavaScript() ?? {},
                });
            }
            callback(err, resp);
        });
    };

    forgetProgram();
    let program: Record<string, unknown> = {};
    let error: Error | undefined;
    // Pulumi stamps every promise it makes with `new Error().stack` (for its leak report), and mocha sets
    // Error.stackTraceLimit to Infinity: formatting those stacks cost more than the rest of the run. Pulumi raises
    // the limit itself where it reads a resource's source position, so no stack is captured meanwhile unless
    // asked for (PULUMI_DEBUG_PROMISE_LEAKS, or DEBUG to keep the stacks of the program's own errors).
    const stackTraceLimit = Error.stackTraceLimit;
    const sourceMaps = process.sourceMapsEnabled;
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS && !process.env.DEBUG) {
        Error.stackTraceLimit = 0;
        process.setSourceMapsEnabled(false);
    }
    try {
        try {
            program = require(path.join(ROOT, "index.ts"));
        } catch (e) {
            error = e as Error;
        }
        const outputs = error ? {} : await resolveOutputs(program);
        await settle();
        return { resources, outputs, error };
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
        process.setSourceMapsEnabled(sourceMaps);
    }
}

/** Query helpers over one run. */
export class Stack {
    constructor(readonly run: ProgramRun) {
        if (run.error) throw run.error;
    }

    ofType(type: string): RecordedResource[] {
        return this.run.resources.filter((r) => r.type === type);
    }

    /** The one resource of `type` named `name`; fails loudly when absent or ambiguous. */
    get(type: string, name: string): RecordedResource {
        const found = this.run.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            throw new Error(`expected one ${type} named ${name}, found ${found.length}; have: ${this.ofType(type).map((r) => r.name).join(", ")}`);
        }
        return found[0];
    }

    /** Resources whose parent is `parent` (by URN). */
    childrenOf(parent: RecordedResource): RecordedResource[] {
        return this.run.resources.filter((r) => r.parent === parent.urn);
    }
}

/** Resource type tokens the tests look up. */
export const T = {
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    redriveAllow: "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
    fn: "aws:lambda/function:Function",
    esm: "aws:lambda/eventSourceMapping:EventSourceMapping",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    topic: "aws:sns/topic:Topic",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    bus: "aws:cloudwatch/eventBus:EventBus",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    archive: "aws:cloudwatch/eventArchive:EventArchive",
    permission: "aws:lambda/permission:Permission",
    invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    table: "aws:dynamodb/table:Table",
} as const;

/** The statements of the one inline policy of the role of function `fn` (logical name). */
export function roleStatements(stack: Stack, fn: string): any[] {
    const role = stack.get(T.role, `${fn}-role`);
    const policies = stack.ofType(T.rolePolicy).filter((p) => p.inputs.role === role.state.name);
    if (policies.length !== 1) throw new Error(`${fn}: expected one inline policy, found ${policies.length}`);
    return JSON.parse(policies[0].inputs.policy).Statement;
}

/** The statements of the policy of queue `queue` (logical name). */
export function queuePolicyStatements(stack: Stack, queue: string): any[] {
    const url = stack.get(T.queue, queue).state.url;
    const policies = stack.ofType(T.queuePolicy).filter((p) => p.inputs.queueUrl === url);
    if (policies.length !== 1) throw new Error(`${queue}: expected one queue policy, found ${policies.length}`);
    return JSON.parse(policies[0].inputs.policy).Statement;
}

/** The statement every queue policy starts with. */
export function denyInsecureTransportOn(arn: string) {
    return { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: arn, Condition: { Bool: { "aws:SecureTransport": "false" } } };
}

/** Alarms whose dimensions name this queue. */
export function alarmsOnQueue(stack: Stack, queue: string): RecordedResource[] {
    const name = stack.get(T.queue, queue).state.name;
    return stack.ofType(T.alarm).filter((a) => a.inputs.dimensions?.QueueName === name);
}

/** The logs statement every function role starts with. */
export function ownLogsStatement(stack: Stack, fn: string) {
    return { Effect: "Allow", Sid: "WriteOwnLogs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${stack.get(T.logGroup, `${fn}-logs`).state.arn}:*`] };
}

/** The statements every SqsConsumer's role has after its logs: receive from its queue, send permanent failures to its DLQ. */
export function consumerStatements(stack: Stack, queue: string) {
    return [
        { Effect: "Allow", Sid: "ConsumeQueue", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], Resource: [stack.get(T.queue, queue).state.arn] },
        { Effect: "Allow", Sid: "SendPermanentFailuresToDlq", Action: ["sqs:SendMessage"], Resource: [stack.get(T.queue, `${queue}-dlq`).state.arn] },
    ];
}
