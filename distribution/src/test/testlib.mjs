// Shared by the distribution's node test suites (console/console.test.mjs, openai/openai-sdk.test.mjs):
// the processes a suite starts (nats-server, nodes from the tarball), kept with their output so a failed
// run shows it, stopped in reverse order at the end; waiting for a condition; a free loopback port.
import { createServer } from 'node:net';

export const STARTUP_MS = 120_000;

/** Every process a suite started through {@link started}, in start order. */
export const processes = [];

/** A free TCP port on loopback, as the system hands one out. */
export function freePort() {
    return new Promise((ok, fail) => {
        const server = createServer();
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => ok(port));
        });
        server.on('error', fail);
    });
}

/** Keeps a started child process (and its output, in `child.logs`) for {@link stopAll}. */
export function started(child, name) {
    child.logs = '';
    child.stdout?.on('data', d => { child.logs += d; });
    child.stderr?.on('data', d => { child.logs += d; });
    child.name = name;
    processes.push(child);
    return child;
}

/** Polls `check` every 200 ms until it gives a truthy value (returned), or fails after `ms`. */
export async function until(what, check, ms = STARTUP_MS) {
    const end = Date.now() + ms;
    for (;;) {
        const value = await check().catch(() => undefined);
        if (value) return value;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise(r => setTimeout(r, 200));
    }
}

/**
 * Stops every process still running, last started first: SIGTERM, then SIGKILL after 15 s. When the
 * suite failed, prints the last of each process's output.
 */
export async function stopAll() {
    for (const child of [...processes].reverse()) {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            await Promise.race([new Promise(r => child.once('exit', r)), new Promise(r => setTimeout(r, 15_000))]);
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }
    }
    if (process.exitCode) {
        for (const child of processes) console.error(`--- ${child.name} (last lines) ---\n${child.logs.slice(-4000)}`);
    }
}
