-- Switchboard PBX model, version 2: call records, in Asterisk's CDR columns
-- (contrib/ast-db-manage/cdr, plus FreePBX's calldate/did/recordingfile).

CREATE TABLE cdr (
  id            INTEGER PRIMARY KEY,
  calldate      TEXT NOT NULL,             -- start of the call, 'YYYY-MM-DD HH:MM:SS' (Asterisk's `start`)
  answer        TEXT,                      -- NULL when never answered
  end           TEXT NOT NULL,
  clid          TEXT NOT NULL DEFAULT '',
  src           TEXT NOT NULL DEFAULT '',
  dst           TEXT NOT NULL DEFAULT '',
  dcontext      TEXT NOT NULL DEFAULT '',
  channel       TEXT NOT NULL DEFAULT '',
  dstchannel    TEXT NOT NULL DEFAULT '',
  lastapp       TEXT NOT NULL DEFAULT '',
  lastdata      TEXT NOT NULL DEFAULT '',
  duration      INTEGER NOT NULL DEFAULT 0,
  billsec       INTEGER NOT NULL DEFAULT 0,
  disposition   TEXT NOT NULL DEFAULT 'NO ANSWER' CHECK (disposition IN ('ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'CONGESTION')),
  amaflags      INTEGER NOT NULL DEFAULT 3,  -- 1 OMIT, 2 BILLING, 3 DOCUMENTATION
  accountcode   TEXT NOT NULL DEFAULT '',
  uniqueid      TEXT NOT NULL DEFAULT '',
  linkedid      TEXT NOT NULL DEFAULT '',
  peeraccount   TEXT NOT NULL DEFAULT '',
  sequence      INTEGER NOT NULL DEFAULT 0,
  userfield     TEXT NOT NULL DEFAULT '',
  recordingfile TEXT NOT NULL DEFAULT '',    -- path inside the `recordings` area, '' when none
  did           TEXT NOT NULL DEFAULT ''
);
-- The queries the APIs make: by date (newest first), by number, by disposition, by call.
CREATE INDEX cdr_calldate ON cdr (calldate);
CREATE INDEX cdr_src ON cdr (src, calldate);
CREATE INDEX cdr_dst ON cdr (dst, calldate);
CREATE INDEX cdr_disposition ON cdr (disposition, calldate);
CREATE INDEX cdr_uniqueid ON cdr (uniqueid);
CREATE INDEX cdr_linkedid ON cdr (linkedid);
