-- The plugin registry, version 1: which private database each plugin identity uses, which
-- identities last ran at each route, and every change an admin or the host made to either.
-- Lives in `registry.sqlite` beside `pbx.sqlite`; the host alone opens it (no plugin grant names
-- it, and plugins cannot ATTACH), so no plugin can read the audit or rebind another's data.

-- A private database: a file under `plugins/`. Rows are never deleted: a database an identity no
-- longer uses is kept aside, on disk and here.
CREATE TABLE data_sets (
  id      INTEGER PRIMARY KEY,         -- numbers `data.<id>.sqlite`; never reused
  file    TEXT NOT NULL UNIQUE,        -- `data.<id>.sqlite`, or `<stem>.sqlite` migrated from a file-name key
  origin  TEXT NOT NULL,               -- 'new', 'fresh' or 'migrated'
  created TEXT NOT NULL                -- 'YYYY-MM-DD HH:MM:SS' UTC
);

-- The database each identity opens as `own`. Two identities share one only when an admin adopted.
CREATE TABLE identities (
  identity TEXT PRIMARY KEY,           -- 'sha256:<64 hex>' or 'builtin:<name>'
  data     INTEGER NOT NULL REFERENCES data_sets (id),
  bound    TEXT NOT NULL
);

-- The identities that last ran at each route (more than one when listeners mount the same route).
CREATE TABLE routes (
  route    TEXT NOT NULL,
  identity TEXT NOT NULL,
  since    TEXT NOT NULL,
  PRIMARY KEY (route, identity)
);

-- Every binding made: when, who, what, and the identity before and after.
CREATE TABLE audit (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          TEXT NOT NULL,           -- 'YYYY-MM-DD HH:MM:SS' UTC
  actor       TEXT NOT NULL,           -- 'os:<user> (uid <n>)', or the admin principal
  action      TEXT NOT NULL,           -- 'new', 'migrated', 'adopt' or 'fresh'
  route       TEXT,                    -- the route it concerned, if any
  before      TEXT,                    -- the identity that owned the data before (adopt, fresh)
  after       TEXT NOT NULL,           -- the identity bound
  data_before TEXT,                    -- the file `after` used before, if any (kept on disk)
  data_after  TEXT NOT NULL,           -- the file `after` uses now
  note        TEXT NOT NULL DEFAULT ''
);
