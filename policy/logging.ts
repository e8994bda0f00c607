// Logs of what AWS does with events: an event bus logs nothing unless its logConfig says a level and CloudWatch Logs
// delivers its log types somewhere ("Configuring logs for Amazon EventBridge event buses": the bus's LogConfig, a
// delivery source per log type, a delivery destination and a delivery pairing them).
import { StackValidationPolicy } from "@pulumi/policy";
import { linked, peek, T, UNKNOWN } from "./lib";

/** The log types a bus at each level writes to (each record goes to its own level's type; the lab's reading). */
export const BUS_LOG_TYPES: Readonly<Record<string, readonly string[]>> = {
    ERROR: ["ERROR_LOGS"],
    INFO: ["ERROR_LOGS", "INFO_LOGS"],
    TRACE: ["ERROR_LOGS", "INFO_LOGS", "TRACE_LOGS"],
};

export const eventBusLogging: StackValidationPolicy = {
    name: "eventbridge-bus-logging",
    description: "Every EventBridge event bus needs logConfig.level ERROR, INFO or TRACE and a CloudWatch Logs delivery (source, destination, delivery) for each log type that level writes: without them a failed delivery leaves no record of why.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const sources = args.resources.filter((r) => r.type === T.logDeliverySource);
        const deliveries = args.resources.filter((r) => r.type === T.logDelivery);
        for (const bus of args.resources.filter((r) => r.type === T.eventBus)) {
            const level = peek(bus.props, "logConfig", "level");
            if (level === UNKNOWN) continue;
            const wanted = typeof level === "string" ? BUS_LOG_TYPES[level] : undefined;
            if (!wanted) {
                report(`event bus ${bus.name} logs at ${JSON.stringify(level ?? "OFF (unset)")}; allowed ERROR, INFO or TRACE`, bus.urn);
                continue;
            }
            const delivered = new Set<string>();
            for (const source of sources.filter((s) => linked(s, "resourceArn", [T.eventBus], args.resources).includes(bus))) {
                const type = peek(source.props, "logType");
                if (type === UNKNOWN) return; // cannot judge in this preview
                const paired = deliveries.some((d) => linked(d, "deliverySourceName", [T.logDeliverySource], args.resources).includes(source)
                    && peek(d.props, "deliveryDestinationArn") !== undefined);
                if (paired) delivered.add(type);
            }
            const missing = wanted.filter((t) => !delivered.has(t));
            if (missing.length > 0) report(`event bus ${bus.name} logs at ${level} but ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not delivered anywhere (a LogDeliverySource for the bus and a LogDelivery to a destination)`, bus.urn);
        }
    },
};

export const loggingPolicies = [eventBusLogging];
