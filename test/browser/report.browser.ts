// The HTML lab report in a real browser (Debian's chromium through puppeteer-core): it loads from disk with no
// console error and no request beyond the file itself, every scenario and sweep has its section and a visible chart
// as wide as the content, every chart's legend lies inside its chart and every rule's label (the first alarm, a
// sweep's thresholds) inside its panel, and printed, no chart is wider than the paper. The first screen and the whole
// page are saved as the run's artefacts. Not part of `npm test` (which needs only Node): `npm run test:browser`,
// which CI runs after installing chromium.
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Browser, Page } from "puppeteer-core";
import puppeteer from "puppeteer-core";
import { CURATED_SWEEPS } from "../../lab/sweeps";
import { SCENARIOS } from "../../lab/scenarios";

const ROOT = path.resolve(__dirname, "..", "..");
const OUT = path.join(ROOT, "lab-output", "browser");
const REPORT = path.join(OUT, "report.html");
const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/chromium-headless-shell"].filter((p): p is string => Boolean(p));

function labReport(): Promise<void> {
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["-r", "tsx/cjs", "lab/cli.ts", "--all", "--sweeps", "--html", REPORT, "--svg", OUT], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
            (error, _stdout, stderr) => (error ? reject(new Error(`npm run lab -- --all --sweeps --html failed: ${stderr}`)) : resolve()));
    });
}

describe("the HTML lab report in a real browser", () => {
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];

    before(async () => {
        const executablePath = CANDIDATES.find((p) => fs.existsSync(p));
        assert.ok(executablePath, `no chromium found (tried ${CANDIDATES.join(", ")}): apt-get install chromium, or set CHROMIUM_PATH`);
        fs.mkdirSync(OUT, { recursive: true });
        await labReport();
        browser = await puppeteer.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
        page = await browser.newPage();
        await page.setViewport({ width: 1280, height: 800 });
        const file = `file://${REPORT}`;
        page.on("console", (m) => { if (m.type() === "error" || m.type() === "warn") problems.push(`console ${m.type()}: ${m.text()}`); });
        page.on("pageerror", (e) => problems.push(`page error: ${(e as Error).message}`));
        page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
        page.on("request", (r) => { if (r.url() !== file) problems.push(`request beyond the file: ${r.url()}`); });
        await page.goto(file, { waitUntil: "load" });
        await page.screenshot({ path: path.join(OUT, "report-first-screen.png") });
        await page.screenshot({ path: path.join(OUT, "report-full-page.png"), fullPage: true });
    });

    after(async () => {
        await browser?.close();
    });

    it("loads from disk with no console error and no request beyond the file itself", () => {
        assert.deepEqual(problems, []);
    });

    it("opens on the summary: every scenario with its detection, conservation and documented outcome", async () => {
        const rows = await page.$$eval("#summary tbody tr", (trs) => trs.map((tr) => tr.textContent ?? ""));
        assert.equal(rows.length, SCENARIOS.length);
        for (const s of SCENARIOS) assert.ok(rows.some((r) => r.includes(s.name)), s.name);
        const summary = await page.$eval("#summary", (el) => { const r = el.getBoundingClientRect(); return { top: r.top, height: r.height }; });
        assert.ok(summary.top < 800, "the summary starts on the first screen");
    });

    it("has a section with a visible, non-empty chart for every scenario and every curated sweep", async () => {
        const ids = [...SCENARIOS.map((s) => s.name), ...CURATED_SWEEPS.map((s) => `sweep-${s.name}`)];
        for (const id of ids) {
            const box = await page.$eval(`section[id="${id}"] .chart svg`, (svg) => {
                const r = svg.getBoundingClientRect();
                const style = (globalThis as unknown as { getComputedStyle(e: unknown): { visibility: string; display: string } }).getComputedStyle(svg);
                return { width: r.width, height: r.height, visible: style.visibility !== "hidden" && style.display !== "none", marks: svg.querySelectorAll("path, line, text").length };
            });
            assert.ok(box.visible && box.width > 300 && box.height > 100, `${id}: ${JSON.stringify(box)}`);
            assert.ok(box.marks > 20, `${id}: the chart has marks`);
        }
    });

    it("keeps every chart legend inside its chart", async () => {
        const outside = await page.$$eval(".chart svg", (svgs) => svgs.flatMap((svg) => {
            const outer = svg.getBoundingClientRect();
            return [...svg.querySelectorAll("g.role-legend")].map((g) => ({ g: g.getBoundingClientRect(), outer, id: svg.closest("section")?.id }))
                .filter(({ g, outer: o }) => g.width > 0 && (g.left < o.left - 1 || g.right > o.right + 1 || g.top < o.top - 1 || g.bottom > o.bottom + 1))
                .map(({ id }) => id);
        }));
        assert.deepEqual(outside, []);
        const legends = await page.$$eval(".chart svg g.role-legend", (gs) => gs.length);
        assert.ok(legends >= SCENARIOS.length, `legends drawn: ${legends}`);
    });

    it("scales every chart to the content width, no smaller than drawn", async () => {
        const charts = await page.$$eval(".chart", (divs) => divs.map((div) => {
            const svg = div.querySelector("svg")!;
            return { id: div.closest("section")?.id, content: div.clientWidth, width: svg.getBoundingClientRect().width, drawn: Number(svg.getAttribute("width")) };
        }));
        assert.equal(charts.length, SCENARIOS.length + CURATED_SWEEPS.length);
        for (const c of charts) {
            assert.ok(Math.abs(c.width - c.content) <= 1, `${c.id}: chart ${c.width} px wide in ${c.content} px of content`);
            assert.ok(c.width >= c.drawn, `${c.id}: shrunk from ${c.drawn} px to ${c.width} px at 1280 px`);
        }
    });

    it("labels the first alarm in every timeline with an alarm, and every sweep reference, inside the panel its rule crosses", async () => {
        const labels = await page.$$eval(".chart svg text[aria-label$=' label']", (texts) => texts.map((t) => {
            let group = t.parentElement;
            while (group && !/concat_\d+_group/.test(group.getAttribute("class") ?? "")) group = group.parentElement;
            const frame = group?.querySelector("path.background")?.getBoundingClientRect();
            const box = t.getBoundingClientRect();
            return { id: t.closest("section")?.id, text: t.textContent, inside: !!frame && box.left >= frame.left - 1 && box.right <= frame.right + 1 && box.top >= frame.top - 1 && box.bottom <= frame.bottom + 1 };
        }));
        assert.deepEqual(labels.filter((l) => !l.inside), []);
        const alarmed = await page.$$eval("section", (sections) => sections.filter((s) => s.querySelector("td .bad") && !s.id.startsWith("sweep-")).map((s) => s.id));
        for (const id of alarmed) assert.ok(labels.some((l) => l.id === id && /^first alarm \(/.test(l.text ?? "")), `${id}: the first-alarm rule is labelled`);
        for (const c of CURATED_SWEEPS) for (const r of c.references ?? []) assert.ok(labels.some((l) => l.id === `sweep-${c.name}` && l.text === r.label), `sweep-${c.name}: "${r.label}"`);
    });

    it("prints each chart within the paper's width", async () => {
        await page.emulateMediaType("print");
        await page.setViewport({ width: 794, height: 1123 }); // A4 at 96 dpi
        try {
            const wide = await page.$$eval(".chart svg", (svgs) => svgs.map((svg) => ({ id: svg.closest("section")?.id, right: svg.getBoundingClientRect().right })).filter((c) => c.right > 794 + 1));
            assert.deepEqual(wide, []);
        } finally {
            await page.emulateMediaType("screen");
            await page.setViewport({ width: 1280, height: 800 });
        }
    });
});
