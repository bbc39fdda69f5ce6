-- Switchboard PBX model, version 5: call records taken from Asterisk, each row once.
--
-- The host fills `cdr` from Asterisk itself: the `Cdr` events cdr_manager publishes on AMI as calls
-- end, and Asterisk's own Master.csv (cdr_csv), read again at start, after every reconnect and
-- every minute, so calls that ended while the link was down arrive too. A row can so arrive more
-- than once (by event and from the file, or from a file read again after a rotation).
--
-- `source_key` names the Asterisk row: a hash of the fields both sources carry and that tell two
-- rows apart without a uniqueid (Master.csv has none by default): party A's channel, party B's
-- channel, start, answer and end as Asterisk wrote them, the last application, the disposition,
-- duration and billsec. The unique index makes a second arrival a no-op (`ON CONFLICT DO NOTHING`).
-- Rows written any other way (the demo's seed, a plugin, a script) keep NULL, which the index
-- does not compare, so every existing row migrates as it is.
ALTER TABLE cdr ADD COLUMN source_key TEXT;
CREATE UNIQUE INDEX cdr_source_key ON cdr (source_key);

-- How far the host has read each CDR file, so a restart reads what was added since and not the
-- whole file again. `inode` and `tail` (the last bytes before `offset`) tell the same file from a
-- rotated or truncated one; a different file is read from its start (the key drops what is
-- already stored). The offset is written in the transaction that stores the rows before it.
CREATE TABLE cdr_sources (
  path    TEXT PRIMARY KEY,            -- the file as configured (`[asterisk] cdr_csv`)
  inode   INTEGER NOT NULL,
  offset  INTEGER NOT NULL,            -- bytes read; every complete row before it is stored
  tail    BLOB NOT NULL,               -- the up to 64 bytes before `offset`
  updated TEXT NOT NULL                -- when, 'YYYY-MM-DD HH:MM:SS' UTC
);
