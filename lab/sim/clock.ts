// Virtual time for the failure-mode lab: events run in time order (ties in scheduling order) and nothing sleeps
// for real. Real handlers are async: they wait only on promises the simulator settles (its services answer in
// microtasks) or on virtual time (`clock.sleep`, "this step takes 40 s"). After an event that started or woke
// async work the clock lets every microtask run before it moves on, so time advances only when all work is
// finished or asleep, and the same seed gives the same run.
import { AsyncLocalStorage } from "async_hooks";

/** The wall-clock time the lab's virtual time 0 stands for. */
export const LAB_EPOCH = Date.UTC(2026, 0, 1);

/**
 * A pending event. A class, not an object literal: V8 may pretenure a literal whose objects outlive young-generation
 * collections (events scheduled seconds ahead do), and then every event, the many short-lived ones too, was made in the
 * old generation; in about a third of 1,000,000-message bench runs each scavenge then promoted ~6 MB and the run took
 * four times as long (node --trace-gc-nvp, --trace-pretenuring-statistics). V8 does not pretenure class instances.
 */
class Scheduled {
    constructor(readonly at: number, readonly seq: number, public run: () => void | Promise<void>) {}
}

/** An event `cancel` can empty. */
export type Timer = Readonly<Pick<Scheduled, "at">>;

const NOTHING = (): void => undefined;

/** A unit of work that can be abandoned, as Lambda abandons an invocation at its timeout. */
export interface Task {
    killed: boolean;
}

// One store for every clock, switched off when no clock runs. On Node < 24 an AsyncLocalStorage that has run stays
// registered with async_hooks until disable(), and every promise created meanwhile pays for each store: a store
// per clock made every later promise in the process (Pulumi's runtime is made of them) slower and bigger.
const tasks = new AsyncLocalStorage<Task>();
let runningClocks = 0;

/** A discrete-event clock in milliseconds of virtual time, with a binary heap of pending events. */
export class VirtualClock {
    private heap = new MinHeap<Scheduled>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
    private seq = 0;
    private current = 0;
    private drain = false;
    private started: { settled: boolean } | undefined;
    private failure: unknown;
    /** Called with the new time whenever time moves (before the events of that time run). */
    onAdvance: ((from: number, to: number) => void) | undefined;
    /** Events run so far: the simulator's own work counter. */
    events = 0;

    get now(): number {
        return this.current;
    }

    /** Wall-clock milliseconds of now: virtual time 0 is LAB_EPOCH. */
    get wallTime(): number {
        return LAB_EPOCH + this.current;
    }

    /** Runs `run` at virtual time `at` (not before now). */
    at(at: number, run: () => void | Promise<void>): void {
        this.heap.push(new Scheduled(Math.max(at, this.current), this.seq++, run));
    }

    /** Like `at`, for an event that may become moot (a timeout): `cancel` lets go of what `run` holds. */
    timer(at: number, run: () => void | Promise<void>): Timer {
        const event = new Scheduled(Math.max(at, this.current), this.seq++, run);
        this.heap.push(event);
        return event;
    }

    /**
     * The event still comes due, counts as an event and moves time as before, and does nothing: the history is the
     * same as if it had run and found nothing to do, and until then it holds no closure (nor what that closure held).
     */
    cancel(timer: Timer): void {
        (timer as Scheduled).run = NOTHING;
    }

    after(delayMs: number, run: () => void | Promise<void>): void {
        this.at(this.current + delayMs, run);
    }

    /** Runs async work as a task: `sleep` inside it never resumes once the task is killed. */
    spawn(task: Task, run: () => Promise<void>): Promise<void> {
        return tasks.run(task, run);
    }

    /** Waits `ms` of virtual time. */
    sleep(ms: number): Promise<void> {
        const task = tasks.getStore();
        return new Promise((resolve) => {
            this.after(ms, () => {
                if (task?.killed) return; // the invocation timed out: its code never runs again
                this.drain = true;
                resolve();
            });
        });
    }

    /** Runs events in order until none is left or the next is after `until`. */
    async run(until = Infinity): Promise<void> {
        runningClocks++;
        try {
            await this.runEvents(until);
        } finally {
            // A task still asleep at the horizon never resumes, so nothing needs the store once no clock runs.
            if (--runningClocks === 0) tasks.disable();
        }
    }

    private async runEvents(until: number): Promise<void> {
        for (;;) {
            if (this.started !== undefined) {
                // Most handler runs finish within a few microtask turns; wait for those without a macrotask.
                const state = this.started;
                this.started = undefined;
                for (let i = 0; i < 32 && !state.settled; i++) await null;
                if (!state.settled) this.drain = true;
            }
            if (this.drain) {
                this.drain = false;
                // setImmediate runs after the microtask queue is empty: every continuation has run or is asleep.
                await new Promise<void>((resolve) => setImmediate(resolve));
            }
            if (this.failure !== undefined) {
                const failure = this.failure;
                this.failure = undefined;
                throw failure;
            }
            const head = this.heap.peek();
            if (head === undefined || head.at > until) break;
            const next = this.heap.pop()!;
            if (next.at !== this.current) {
                this.onAdvance?.(this.current, next.at);
                this.current = next.at;
            }
            this.events++;
            const result = next.run();
            if (result !== undefined) {
                const state = { settled: false };
                this.started = state;
                result.then(() => { state.settled = true; }, (error) => { state.settled = true; this.failure ??= error; });
            }
        }
        if (until !== Infinity && until > this.current) {
            this.onAdvance?.(this.current, until);
            this.current = until;
        }
    }

    get pending(): number {
        return this.heap.size;
    }
}

/** A seeded random source (mulberry32): same seed, same run. */
export function seededRandom(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** A binary min-heap under `less`: the clock's events, the queues' in-flight messages. */
export class MinHeap<T> {
    private items: T[] = [];

    constructor(private readonly less: (a: T, b: T) => boolean) {}

    get size(): number {
        return this.items.length;
    }

    peek(): T | undefined {
        return this.items[0];
    }

    // Sifting moves a hole instead of swapping pairs: the same comparisons and the same final order as swaps, fewer writes.
    push(item: T): void {
        const h = this.items;
        let i = h.length;
        h.push(item);
        while (i > 0) {
            const parent = (i - 1) >> 1;
            if (!this.less(item, h[parent])) break;
            h[i] = h[parent];
            i = parent;
        }
        h[i] = item;
    }

    pop(): T | undefined {
        const h = this.items;
        const top = h[0];
        const last = h.pop();
        const n = h.length;
        if (n > 0 && last !== undefined) {
            let i = 0;
            for (;;) {
                const l = 2 * i + 1;
                const r = l + 1;
                let m = i;
                let least: T = last;
                if (l < n && this.less(h[l], least)) { m = l; least = h[l]; }
                if (r < n && this.less(h[r], least)) { m = r; least = h[r]; }
                if (m === i) break;
                h[i] = least;
                i = m;
            }
            h[i] = last;
        }
        return top;
    }

    values(): readonly T[] {
        return this.items;
    }
}
