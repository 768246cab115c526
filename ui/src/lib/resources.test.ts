import {
  accessText, BACKUP_DAYS, byEnvironment, confirmMatches, createBody, emptyForm, endpointText, errorWords, KINDS, linkBody,
  linkedWords, mountPathProblem, patchBody, resizeForm, resizeProblem, sizeText, STORAGE_GB, bytesText, usedText, variableFor, withEnvironment,
  withKind, type Resource,
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
  const form = { variable: "", path: " /app/uploads ", readOnly: true };
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
