import {
  accessText, BACKUP_DAYS, bodyText, sampleWords, sinceText, utcText, byEnvironment, canMoveBack, confirmMatches, countable, createBody, deadLetters, emptyForm, endpointText, errorWords,
  KINDS, linkBody, linkedWords, MAX_RECEIVES, mountPathProblem, moving, patchBody, purgeWords, QUEUE_DEFAULTS, queueProblems, queueText, redriveWords,
  resizeForm, resizeProblem, RETENTION_DAYS, secondsText, sizeText, STORAGE_GB, bytesText, usedText, variableFor, VISIBILITY_SECONDS,
  withEnvironment, withKind, type QueueMessages, type Resource,
} from "./resources";

const db: Resource = {
  id: "res_1", org_id: "o", project_id: "p", environment_id: "env_1", environment: "production", name: "main",
  kind: "postgres", size: "db.t4g.micro", version: "16", storage_gb: 50, backup_retention_days: 7,
  deletion_protection: true, status: "available", reason: "created", last_error: null, variable: "DATABASE_URL",
  created: "2026-11-26T10:00:00Z", updated: "2026-11-26T10:00:00Z", endpoint: { address: "main.rds.local", port: 5432 },
};

// The table is a copy of chalicelib/resources/kinds.py: read that file and compare, so the two cannot drift.
// (Read with node's fs at run time: Vite will not import a file outside ui/, and tsc has no node types here.)
async function readKindsPy(): Promise<string> {
  const fs = (await import(/* @vite-ignore */ "node:" + "fs")) as { readFileSync(p: string, enc: "utf8"): string };
  return fs.readFileSync("../chalicelib/resources/kinds.py", "utf8")   // vitest runs in ui/;
}

test("the kinds, sizes, versions and limits are the API's (chalicelib/resources/kinds.py)", async () => {
  const kindsPy = await readKindsPy();
  const tuple = (src: string) => [...src.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const dbSizes = tuple(/_DB_SIZES = \(([^)]*)\)/.exec(kindsPy)![1]!);
  for (const [name, info] of Object.entries(KINDS)) {
    const line = new RegExp(`"${name}": Kind\\(([\\s\\S]*?)\\),\\n    "|"${name}": Kind\\(([\\s\\S]*?)\\),\\n}`).exec(kindsPy);
    expect(line, name).not.toBeNull();
    const body = (line![1] ?? line![2])!;
    const groups = [...body.matchAll(/\(([^()]*)\)/g)].map((m) => tuple(m[1]!));
    expect(groups[0], `${name} versions`).toEqual(info.versions);
    const sizes = body.includes("_DB_SIZES") ? dbSizes : groups[1];
    expect(sizes, `${name} sizes`).toEqual(info.sizes);
    expect(body, `${name} variable`).toContain(`"${info.variable}"`);
    if (info.defaultVersion) expect(body).toContain(`"${info.defaultVersion}"`);
    expect(body.includes("storage=True"), `${name} storage`).toBe(info.storage);
    expect(body.includes("mounted=True"), `${name} mounted`).toBe(info.mounted);
  }
  expect(kindsPy).toContain(`STORAGE_GB = (${STORAGE_GB[0]}, ${STORAGE_GB[1]})`);
  expect(kindsPy).toContain(`BACKUP_DAYS = (${BACKUP_DAYS[0]}, ${BACKUP_DAYS[1]})`);
  expect(kindsPy).toContain(`VISIBILITY_SECONDS = (${VISIBILITY_SECONDS[0]}, ${VISIBILITY_SECONDS[1]})`);
  expect(kindsPy).toContain(`RETENTION_DAYS = (${RETENTION_DAYS[0]}, ${RETENTION_DAYS[1]})`);
  expect(kindsPy).toContain(`MAX_RECEIVES = (${MAX_RECEIVES[0]}, ${MAX_RECEIVES[1]})`);
  expect(kindsPy).toContain(`QUEUE_DEFAULTS = {"visibility_timeout_seconds": ${QUEUE_DEFAULTS.visibility_timeout_seconds}, `
    + `"retention_days": ${QUEUE_DEFAULTS.retention_days}, "max_receives": ${QUEUE_DEFAULTS.max_receives}}`);
  // only a queue is one (its own settings, send-only links, messages)
  expect(Object.entries(KINDS).filter(([, k]) => k.queue).map(([n]) => n)).toEqual(["queue"]);
  expect(kindsPy).toMatch(/"queue": Kind\("queue", "sqs",/);
});

test("the add form sends only what the kind has", () => {
  const pg = { ...emptyForm("production"), name: " main " };
  expect(pg.protection).toBe(true);
  expect(createBody(pg)).toEqual({ name: "main", kind: "postgres", environment: "production", size: "db.t4g.micro",
    version: "16", storage_gb: 20, backup_retention_days: 7, deletion_protection: true });

  const redis = withKind({ ...pg, size: "db.m7g.large" }, "redis");
  expect(redis.size).toBe("cache.t4g.micro");   // a database class is no node type
  expect(redis.name).toBe(" main ");
  expect(createBody(redis)).toEqual({ name: "main", kind: "redis", environment: "production", size: "cache.t4g.micro",
    version: "7.1", backup_retention_days: 7, deletion_protection: true });

  const bucket = withKind(pg, "bucket");
  expect(createBody(bucket)).toEqual({ name: "main", kind: "bucket", environment: "production" });

  // staging: protection off by default, like the API; blank numbers are left to the API's default
  const staging = withEnvironment({ ...pg, storage: "", backups: "0" }, "staging");
  expect(staging.protection).toBe(false);
  expect(createBody(staging)).toEqual({ name: "main", kind: "postgres", environment: "staging", size: "db.t4g.micro",
    version: "16", backup_retention_days: 0, deletion_protection: false });
});

test("resize sends the changed fields only, and storage only grows", () => {
  const form = resizeForm(db);
  expect(patchBody(db, form)).toEqual({});
  expect(patchBody(db, { ...form, size: "db.t4g.large", storage: "100" })).toEqual({ size: "db.t4g.large", storage_gb: 100 });
  expect(patchBody(db, { ...form, protection: false, backups: "14" })).toEqual({ deletion_protection: false, backup_retention_days: 14 });
  expect(resizeProblem(db, { ...form, storage: "40" })).toEqual({ field: "storage_gb", message: "storage can only grow (now 50 GB)" });
  expect(resizeProblem(db, { ...form, storage: "50" })).toBeNull();
  const bucket: Resource = { ...db, kind: "bucket", size: null, version: null, storage_gb: null, backup_retention_days: null };
  expect(patchBody(bucket, { ...resizeForm(bucket), protection: false })).toEqual({ deletion_protection: false });
});

test("what a row says: size, endpoint, error in words, confirmation", () => {
  expect(sizeText(db)).toBe("db.t4g.micro · v16 · 50 GB · backups 7 days");
  expect(sizeText({ ...db, kind: "redis", storage_gb: null, backup_retention_days: 0 })).toBe("db.t4g.micro · v16 · no backups");
  expect(endpointText(db)).toBe("main.rds.local:5432");
  expect(endpointText({ endpoint: null })).toBeNull();
  expect(errorWords(db)).toBeNull();
  expect(errorWords({ status: "failed", last_error: "InsufficientDBInstanceCapacity." })).toBe("It failed: InsufficientDBInstanceCapacity.");
  expect(errorWords({ status: "available", last_error: "resize refused" })).toBe("The last change failed: resize refused.");
  expect(confirmMatches(db, "main")).toBe(true);
  expect(confirmMatches(db, "Main")).toBe(false);
  const groups = byEnvironment([db, { ...db, id: "r2", environment: "staging" }, { ...db, id: "r3" }]);
  expect(groups.map(([e, items]) => [e, items.map((r) => r.id)])).toEqual([["production", ["res_1", "r3"]], ["staging", ["r2"]]]);
});

test("a volume: its name, environment and protection only; <NAME>_PATH; no size, an EFS line", () => {
  const vol = withKind({ ...emptyForm("production"), name: "uploads", storage: "50", backups: "3" }, "volume");
  expect(vol.protection).toBe(true);
  // no size, version, storage or backups: the API refuses backup_retention_days for a volume (422)
  expect(createBody(vol)).toEqual({ name: "uploads", kind: "volume", environment: "production", deletion_protection: true });
  expect(variableFor("volume", "user-files")).toBe("USER_FILES_PATH");
  expect(variableFor("postgres", "main")).toBe("DATABASE_URL");
  const r: Resource = { ...db, name: "uploads", kind: "volume", size: null, version: null, storage_gb: null,
    backup_retention_days: null, variable: "UPLOADS_PATH", endpoint: { address: "fs-77be2ad0", port: 2049 } };
  expect(sizeText(r)).toBe("not measured yet · EFS · backed up daily, kept 35 days");   // metered hourly
  expect(sizeText({ ...r, used_bytes: 3_421_000_000 })).toBe("3.4 GB used · EFS · backed up daily, kept 35 days");
  expect(endpointText(r)).toBe("fs-77be2ad0");   // the file system, not an NFS port
  expect(patchBody(r, { ...resizeForm(r), protection: false })).toEqual({ deletion_protection: false });
});

test("bytes in decimal units, as AWS bills them; a volume's use or that it is not measured yet", () => {
  expect(bytesText(0)).toBe("0 bytes");
  expect(bytesText(1)).toBe("1 byte");
  expect(bytesText(999)).toBe("999 bytes");
  expect(bytesText(6144)).toBe("6.1 KB");   // an empty EFS file system meters 6 KiB
  expect(bytesText(1_000_000)).toBe("1 MB");
  expect(bytesText(12_400_000_000)).toBe("12 GB");
  expect(bytesText(999_960_000)).toBe("1 GB");   // not "1000 MB"
  expect(bytesText(1_250_000_000_000)).toBe("1.3 TB");
  expect(usedText({ used_bytes: null })).toBe("not measured yet");
  expect(usedText({})).toBe("not measured yet");
  expect(usedText({ used_bytes: 0 })).toBe("0 bytes used");
  expect(usedText({ used_bytes: 52_000_000 })).toBe("52 MB used");
});

test("a mount path as the API checks it (chalicelib/resources/models.py mount_path_problem)", () => {
  for (const ok of ["/data", "/app/uploads", "/app/uploads/", "/srv/my-files_2", "/home/app/.cache", "/etcetera"])
    expect(mountPathProblem(ok), ok).toBeNull();
  expect(mountPathProblem("")).toBe("give the path to mount it at (e.g. /data)");
  expect(mountPathProblem("data")).toBe("an absolute path, starting with / (e.g. /data)");
  expect(mountPathProblem("/")).toBe("not / itself: a folder in it (e.g. /data)");
  expect(mountPathProblem("//")).toBe("not / itself: a folder in it (e.g. /data)");
  expect(mountPathProblem("/a/../b")).toBe("no '.', '..' or empty parts");
  expect(mountPathProblem("/a//b")).toBe("no '.', '..' or empty parts");
  expect(mountPathProblem("/a b")).toBe("an absolute path of letters, digits and . _ - @ + / (e.g. /data)");
  expect(mountPathProblem("/etc/app")).toBe("/etc/app is a system folder of the container: mount it elsewhere (e.g. /data)");
  expect(mountPathProblem("/usr")).toBe("/usr is a system folder of the container: mount it elsewhere (e.g. /data)");
  expect(mountPathProblem("/" + "a".repeat(256))).not.toBeNull();
});

test("a link's body and words: a path and read-only for a volume, read-only for a bucket, neither for a database", () => {
  const form = { variable: "", path: " /app/uploads ", readOnly: true, sendOnly: true };
  expect(linkBody("volume", form)).toEqual({ path: "/app/uploads", read_only: true });
  expect(linkBody("bucket", { ...form, readOnly: false })).toEqual({ read_only: false });
  expect(linkBody("postgres", { ...form, variable: " DB_URL " })).toEqual({ variable: "DB_URL" });
  expect(accessText({ kind: "volume", path: "/app/uploads", read_only: true })).toBe("mounted at /app/uploads, read-only");
  expect(accessText({ kind: "volume", path: "/data", read_only: false })).toBe("mounted at /data, read and write");
  expect(accessText({ kind: "bucket", read_only: true })).toBe("read-only");
  expect(accessText({ kind: "bucket" })).toBe("read and write");   // a link from before read_only: its role reads and writes
  expect(accessText({ kind: "redis" })).toBeNull();
  expect(linkedWords({ resource: "uploads", kind: "volume", variable: "UPLOADS_PATH", path: "/app/uploads", read_only: true }, "web"))
    .toBe("Linked uploads: the next deploy mounts it at /app/uploads (read-only) and gives web UPLOADS_PATH.");
  expect(linkedWords({ resource: "files", kind: "bucket", variable: "S3_BUCKET", read_only: false }, "web"))
    .toBe("Linked files: the next deploy gives web S3_BUCKET (read and write).");
  expect(linkedWords({ resource: "cache", kind: "redis", variable: "CACHE_URL" }, "web"))
    .toBe("Linked cache: the next deploy gives web CACHE_URL.");
});

// A queue as the API answers it once available (tests/resources/test_queues.py): no size, version,
// storage or backups; its settings, its URL and its dead-letter queue's.
const jobs: Resource = {
  ...db, id: "res_q", name: "jobs", kind: "queue", size: null, version: null, storage_gb: null, backup_retention_days: null,
  variable: "JOBS_QUEUE_URL", fifo: false, visibility_timeout_seconds: 60, retention_days: 4, max_receives: 5,
  endpoint: { address: "https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q", port: null },
  dead_letter_queue: "https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q-dlq",
};

test("a queue: FIFO and its three timings are sent (blank ones left to the API's defaults); <NAME>_QUEUE_URL", () => {
  const q = withKind({ ...emptyForm("staging"), name: "jobs" }, "queue");
  expect([q.fifo, q.visibility, q.retention, q.receives]).toEqual([false, "60", "4", "5"]);
  expect(createBody(q)).toEqual({ name: "jobs", kind: "queue", environment: "staging", deletion_protection: false, fifo: false,
    visibility_timeout_seconds: 60, retention_days: 4, max_receives: 5 });
  expect(createBody({ ...q, fifo: true, visibility: " 300 ", retention: "", receives: "" })).toEqual({ name: "jobs", kind: "queue",
    environment: "staging", deletion_protection: false, fifo: true, visibility_timeout_seconds: 300 });
  // another kind sends none of them (the API refuses them by name)
  expect(createBody(withKind({ ...q, fifo: true }, "postgres"))).not.toHaveProperty("fifo");
  expect(createBody({ ...withKind(q, "bucket"), fifo: true, visibility: "9" })).toEqual({ name: "jobs", kind: "bucket", environment: "staging" });
  expect(variableFor("queue", "email-jobs")).toBe("EMAIL_JOBS_QUEUE_URL");
});

test("a queue's timings are checked as the API checks them: whole numbers within AWS's limits", () => {
  const ok = { visibility: "0", retention: "14", receives: "1000" };
  expect(queueProblems(ok)).toEqual({});
  expect(queueProblems({ visibility: "", retention: " ", receives: "" })).toEqual({});   // blank: the default, or unchanged
  expect(queueProblems({ visibility: "43201", retention: "0", receives: "2.5" })).toEqual({
    visibility_timeout_seconds: "a whole number of seconds from 0 to 43200",
    retention_days: "a whole number of days from 1 to 14",
    max_receives: "a whole number from 1 to 1000",
  });
  expect(queueProblems({ ...ok, receives: "-1" })).toEqual({ max_receives: "a whole number from 1 to 1000" });
  expect(queueProblems({ ...ok, visibility: "1m" })).toEqual({ visibility_timeout_seconds: "a whole number of seconds from 0 to 43200" });
});

test("a queue's change sends the timings that changed (never fifo); its line and its URL", () => {
  const form = resizeForm(jobs);
  expect([form.visibility, form.retention, form.receives]).toEqual(["60", "4", "5"]);
  expect(patchBody(jobs, form)).toEqual({});
  expect(patchBody(jobs, { ...form, visibility: "300", receives: "3" })).toEqual({ visibility_timeout_seconds: 300, max_receives: 3 });
  expect(patchBody(jobs, { ...form, retention: "14", protection: true })).toEqual({ retention_days: 14 });   // protection was on already
  expect(patchBody(jobs, { ...form, visibility: "" })).toEqual({});
  expect(patchBody(db, { ...resizeForm(db), visibility: "300" })).toEqual({});   // a database has no timings
  expect(sizeText(jobs)).toBe("standard · hidden 1 min once received · kept 4 days · dead after 5 receives");
  expect(queueText({ fifo: true, visibility_timeout_seconds: 30, retention_days: 1, max_receives: 1 }))
    .toBe("FIFO · hidden 30 s once received · kept 1 day · dead after 1 receive");
  expect(endpointText(jobs)).toBe("https://sqs.us-east-1.amazonaws.com/123456789012/launchbay-q");
  expect(["0 s", "45 s", "90 s", "5 min", "1 h", "12 h", "61 min"]).toEqual([0, 45, 90, 300, 3600, 43200, 3660].map(secondsText));
});

test("a queue link: send only or send, receive and delete; the API's send_only for a queue only", () => {
  const form = { variable: "", path: "", readOnly: false, sendOnly: true };
  expect(linkBody("queue", form)).toEqual({ send_only: true });
  expect(linkBody("queue", { ...form, sendOnly: false, variable: "WORK_URL", readOnly: true, path: "/x" })).toEqual({ variable: "WORK_URL", send_only: false });
  expect(linkBody("bucket", form)).toEqual({ read_only: false });
  expect(accessText({ kind: "queue", send_only: true })).toBe("send only");
  expect(accessText({ kind: "queue", send_only: false })).toBe("send, receive and delete");
  expect(accessText({ kind: "queue" })).toBe("send, receive and delete");
  expect(linkedWords({ resource: "jobs", kind: "queue", variable: "JOBS_QUEUE_URL", send_only: true }, "web"))
    .toBe("Linked jobs: the next deploy gives web JOBS_QUEUE_URL (send only).");
  expect(linkedWords({ resource: "jobs", kind: "queue", variable: "JOBS_QUEUE_URL", send_only: false }, "worker"))
    .toBe("Linked jobs: the next deploy gives worker JOBS_QUEUE_URL (send, receive and delete).");
});

test("a queue's messages: when they are read, when dead letters may be moved back, and the move in words", () => {
  const counts: QueueMessages = { visible: 2, in_flight: 1, delayed: 0, dead: 3, redrive: null };
  expect(countable(jobs)).toBe(true);
  expect(countable({ status: "modifying" })).toBe(true);
  expect(countable({ status: "creating" })).toBe(false);   // the API answers 409 until SQS has it
  expect(countable({ status: "failed" })).toBe(false);
  expect(canMoveBack(counts)).toBe(true);
  expect(canMoveBack({ ...counts, dead: 0 })).toBe(false);
  expect(canMoveBack({ ...counts, dead: null })).toBe(false);   // no dead-letter queue found
  expect(canMoveBack(undefined)).toBe(false);
  const started = { status: "moving" as const, moved: 0, left: 3, requested: "2026-11-28T10:00:00Z", by: "dev@example.com" };
  expect(moving({ redrive: started })).toBe(true);
  expect(canMoveBack({ ...counts, redrive: started })).toBe(false);   // one move at a time (409)
  expect(deadLetters(1)).toBe("1 dead letter");
  expect(deadLetters(1000)).toBe("1000 dead letters");

  expect(redriveWords(null)).toBe("");
  expect(redriveWords(started)).toBe("Moving dead letters back to the queue: 0 moved, about 3 left (asked by dev@example.com).");
  const done = { ...started, status: "done" as const, moved: 3, left: 0, finished: "2026-11-28T10:00:04Z" };
  expect(redriveWords(done, () => "10:00:04")).toBe("Moved 3 dead letters back to the queue at 10:00:04 (asked by dev@example.com).");
  expect(redriveWords({ ...done, moved: 1, left: 2 }, () => "10:00:04"))
    .toBe("Moved 1 dead letter back to the queue at 10:00:04 (asked by dev@example.com). The dead-letter queue still held about 2.");
  expect(redriveWords({ ...started, status: "failed", moved: 10, left: 5, error: "AccessDenied: not allowed." }))
    .toBe("Moving dead letters back failed after 10 moved: AccessDenied: not allowed. About 5 still in the dead-letter queue; try again once the cause is fixed.");
});

test("a purge's answer in a sentence", () => {
  expect(purgeWords({ purged: 4, dead_letters: false }))
    .toBe("Purged 4 waiting messages. SQS finishes deleting within a minute: until then a count may still show some.");
  expect(purgeWords({ purged: 1, dead_letters: true })).toMatch(/^Purged 1 dead letter\. /);
  expect(purgeWords({ purged: 1, dead_letters: false })).toMatch(/^Purged 1 waiting message\. /);
});

test("a dead letter's body, when sent, and what a look found, in words", () => {
  expect(bodyText({ body: '{"order": 42, "items": [1, 2]}', truncated: false })).toEqual(
    { text: '{\n  "order": 42,\n  "items": [\n    1,\n    2\n  ]\n}', json: true });
  expect(bodyText({ body: ' [1] ', truncated: false })).toEqual({ text: "[\n  1\n]", json: true });
  // a cut body, plain text, a bare number, a brace that is no JSON: as they are
  for (const body of ['{"order": 4', "resize image 42", "42", "{not json}"])
    expect(bodyText({ body, truncated: body.startsWith('{"') })).toEqual({ text: body, json: false });
  const now = Date.parse("2026-11-28T10:00:00Z");
  const at = (s: number) => new Date(now - s * 1000).toISOString();
  expect([2, 45, 60, 12 * 60 + 59, 3 * 3600, 86400, 3 * 86400].map((s) => sinceText(at(s), now))).toEqual(
    ["just now", "45 s ago", "1 min ago", "12 min ago", "3 h ago", "1 day ago", "3 days ago"]);
  expect(sinceText(null, now)).toBe("");
  expect(sinceText(at(-30), now)).toBe("just now");   // a clock a little ahead
  expect(utcText("2026-11-28T10:04:50.123Z")).toBe("2026-11-28 10:04:50 UTC");
  expect(utcText("2026-11-28T10:04:50Z")).toBe("2026-11-28 10:04:50 UTC");
  expect(utcText("soon")).toBe("");
  expect(sampleWords(0, 3)).toBe("No dead letters right now.");
  expect(sampleWords(1, 1)).toBe("1 dead letter shown.");
  expect(sampleWords(10, 250)).toBe("10 dead letters shown (of about 250).");
  expect(sampleWords(2, null)).toBe("2 dead letters shown.");
});
