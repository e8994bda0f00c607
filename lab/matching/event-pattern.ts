// EventBridge event patterns (EventBridge user guide, "Amazon EventBridge event patterns"): which events a rule matches.
import { checkPattern, InvalidPatternError, matchObject } from "./filters";

export type EventPattern = Record<string, unknown>;

/** Parses and validates a pattern (a JSON string as the API takes it, or an object); throws InvalidPatternError. */
export function parseEventPattern(pattern: string | EventPattern): EventPattern {
    let parsed: unknown = pattern;
    if (typeof pattern === "string") {
        try {
            parsed = JSON.parse(pattern);
        } catch (error) {
            throw new InvalidPatternError("EventBridge", "", `Filter is not valid JSON: ${(error as Error).message}`);
        }
    }
    checkPattern(parsed, "EventBridge");
    return parsed as EventPattern;
}

/** Whether `event` (the full envelope: source, detail-type, detail, …) matches the validated pattern. */
export function matchesEventPattern(pattern: EventPattern, event: Record<string, unknown>): boolean {
    return matchObject(pattern, event);
}
