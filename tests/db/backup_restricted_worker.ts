/**
 * Run by backup_permissions_test.ts WITHOUT --allow-all, like the compiled binary: node:sqlite
 * then refuses ATTACH, so `VACUUM INTO` is unavailable and the fallbacks must be used.
 * Args: SOURCE_DB DEST_DIR. Prints the two results as JSON.
 */
import { backupDatabase, backupTo } from "../../src/db/maintenance.ts";
import { DatabaseSync } from "node:sqlite";

const [source, dir] = Deno.args;
const db = new DatabaseSync(source);
const sync = backupTo(db, `${dir}/sync.bak`);
// Writes between the two copies must be in the second one.
db.exec(`INSERT INTO observers (id, name) VALUES ('BACKUP-TEST', 'written between backups')`);
const online = await backupDatabase(db, `${dir}/online.bak`);
db.close();
console.log(JSON.stringify({ sync, online }));
