-- Switchboard PBX model, version 1: the PBX's configuration.
-- Documented table by table in wit/pbx-schema.md (a test keeps the two in step).
-- Column names follow Asterisk's realtime schema (contrib/ast-db-manage) where the concept exists.

CREATE TABLE tenants (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT ''
);
INSERT INTO tenants (id, name, description) VALUES (1, 'default', 'The PBX''s own tenant');

-- One row per user extension. The device behind it is the ps_* rows with id = number (PJSIP) or
-- the device_options rows (technology options a flavor exposes, e.g. chan_sip's nat or qualify).
CREATE TABLE extensions (
  number                 TEXT PRIMARY KEY CHECK (number <> '' AND number NOT GLOB '*[^0-9A-Za-z_+*#-]*'),
  name                   TEXT NOT NULL DEFAULT '',
  secret                 TEXT NOT NULL DEFAULT '',
  technology             TEXT NOT NULL DEFAULT 'pjsip' CHECK (technology IN ('pjsip', 'sip', 'iax2', 'dahdi', 'virtual', 'custom')),
  context                TEXT NOT NULL DEFAULT 'from-internal',
  callerid               TEXT NOT NULL DEFAULT '',
  outbound_cid           TEXT NOT NULL DEFAULT '',
  voicemail              TEXT NOT NULL DEFAULT 'novm',
  ring_time              INTEGER NOT NULL DEFAULT 0 CHECK (ring_time BETWEEN 0 AND 300),
  recording_in_external  TEXT NOT NULL DEFAULT 'dontcare' CHECK (recording_in_external IN ('always', 'dontcare', 'never')),
  recording_out_external TEXT NOT NULL DEFAULT 'dontcare' CHECK (recording_out_external IN ('always', 'dontcare', 'never')),
  recording_in_internal  TEXT NOT NULL DEFAULT 'dontcare' CHECK (recording_in_internal IN ('always', 'dontcare', 'never')),
  recording_out_internal TEXT NOT NULL DEFAULT 'dontcare' CHECK (recording_out_internal IN ('always', 'dontcare', 'never')),
  recording_ondemand     TEXT NOT NULL DEFAULT 'disabled' CHECK (recording_ondemand IN ('enabled', 'disabled')),
  tenant_id              INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id),
  created                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
  modified               TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);
CREATE INDEX extensions_tenant ON extensions (tenant_id, number);

-- Technology options a flavor reads and writes that have no column of their own
-- (Elastix's chan_sip peer fields: nat, qualify, dtmfmode, deny, permit, …).
CREATE TABLE device_options (
  number TEXT NOT NULL REFERENCES extensions (number) ON DELETE CASCADE ON UPDATE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (number, key)
);

-- PJSIP, with Asterisk's realtime table and column names (res_pjsip sorcery realtime).
CREATE TABLE ps_endpoints (
  id                 TEXT PRIMARY KEY,
  transport          TEXT NOT NULL DEFAULT '',
  aors               TEXT NOT NULL DEFAULT '',
  auth               TEXT NOT NULL DEFAULT '',
  outbound_auth      TEXT NOT NULL DEFAULT '',
  context            TEXT NOT NULL DEFAULT 'from-internal',
  disallow           TEXT NOT NULL DEFAULT 'all',
  allow              TEXT NOT NULL DEFAULT 'ulaw,alaw',
  direct_media       TEXT NOT NULL DEFAULT 'no',
  dtmf_mode          TEXT NOT NULL DEFAULT 'rfc4733',
  callerid           TEXT NOT NULL DEFAULT '',
  mailboxes          TEXT NOT NULL DEFAULT '',
  from_user          TEXT NOT NULL DEFAULT '',
  from_domain        TEXT NOT NULL DEFAULT '',
  rtp_symmetric      TEXT NOT NULL DEFAULT 'yes',
  force_rport        TEXT NOT NULL DEFAULT 'yes',
  rewrite_contact    TEXT NOT NULL DEFAULT 'yes',
  ice_support        TEXT NOT NULL DEFAULT 'no',
  media_encryption   TEXT NOT NULL DEFAULT 'no',
  trust_id_inbound   TEXT NOT NULL DEFAULT 'yes',
  send_rpid          TEXT NOT NULL DEFAULT 'no',
  call_group         TEXT NOT NULL DEFAULT '',
  pickup_group       TEXT NOT NULL DEFAULT '',
  device_state_busy_at INTEGER NOT NULL DEFAULT 0,
  language           TEXT NOT NULL DEFAULT ''
);

CREATE TABLE ps_auths (
  id        TEXT PRIMARY KEY,
  auth_type TEXT NOT NULL DEFAULT 'userpass' CHECK (auth_type IN ('userpass', 'md5')),
  username  TEXT NOT NULL DEFAULT '',
  password  TEXT NOT NULL DEFAULT '',
  md5_cred  TEXT NOT NULL DEFAULT '',
  realm     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE ps_aors (
  id                 TEXT PRIMARY KEY,
  max_contacts       INTEGER NOT NULL DEFAULT 1,
  remove_existing    TEXT NOT NULL DEFAULT 'yes',
  qualify_frequency  INTEGER NOT NULL DEFAULT 60,
  default_expiration INTEGER NOT NULL DEFAULT 3600,
  contact            TEXT NOT NULL DEFAULT '',
  mailboxes          TEXT NOT NULL DEFAULT ''
);

-- Outbound registrations (a trunk registering to its provider).
CREATE TABLE ps_registrations (
  id             TEXT PRIMARY KEY,
  server_uri     TEXT NOT NULL,
  client_uri     TEXT NOT NULL,
  contact_user   TEXT NOT NULL DEFAULT '',
  outbound_auth  TEXT NOT NULL DEFAULT '',
  transport      TEXT NOT NULL DEFAULT '',
  retry_interval INTEGER NOT NULL DEFAULT 60,
  expiration     INTEGER NOT NULL DEFAULT 3600,
  line           TEXT NOT NULL DEFAULT 'yes',
  endpoint       TEXT NOT NULL DEFAULT ''
);

-- A PJSIP extension's endpoint, auth and AOR follow the extension row, whichever flavor writes it.
-- (Triggers are the host's: plugins may not create them, and statements they run are allowed.)
CREATE TRIGGER sb_extension_insert AFTER INSERT ON extensions WHEN NEW.technology = 'pjsip'
BEGIN
  INSERT OR REPLACE INTO ps_auths (id, auth_type, username, password) VALUES (NEW.number, 'userpass', NEW.number, NEW.secret);
  INSERT OR REPLACE INTO ps_aors (id, mailboxes) VALUES (NEW.number, CASE WHEN NEW.voicemail = 'novm' THEN '' ELSE NEW.number || '@' || NEW.voicemail END);
  INSERT OR REPLACE INTO ps_endpoints (id, aors, auth, context, callerid, mailboxes)
    VALUES (NEW.number, NEW.number, NEW.number, NEW.context,
            CASE WHEN NEW.callerid <> '' THEN NEW.callerid ELSE '"' || NEW.name || '" <' || NEW.number || '>' END,
            CASE WHEN NEW.voicemail = 'novm' THEN '' ELSE NEW.number || '@' || NEW.voicemail END);
END;

CREATE TRIGGER sb_extension_update AFTER UPDATE ON extensions WHEN NEW.technology = 'pjsip'
BEGIN
  INSERT OR IGNORE INTO ps_auths (id) VALUES (NEW.number);
  INSERT OR IGNORE INTO ps_aors (id) VALUES (NEW.number);
  INSERT OR IGNORE INTO ps_endpoints (id) VALUES (NEW.number);
  UPDATE ps_auths SET username = NEW.number, password = NEW.secret WHERE id = NEW.number;
  UPDATE ps_aors SET mailboxes = CASE WHEN NEW.voicemail = 'novm' THEN '' ELSE NEW.number || '@' || NEW.voicemail END WHERE id = NEW.number;
  UPDATE ps_endpoints SET aors = NEW.number, auth = NEW.number, context = NEW.context,
    callerid = CASE WHEN NEW.callerid <> '' THEN NEW.callerid ELSE '"' || NEW.name || '" <' || NEW.number || '>' END,
    mailboxes = CASE WHEN NEW.voicemail = 'novm' THEN '' ELSE NEW.number || '@' || NEW.voicemail END
    WHERE id = NEW.number;
  UPDATE extensions SET modified = strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE number = NEW.number AND modified = OLD.modified;
END;

CREATE TRIGGER sb_extension_renumber AFTER UPDATE OF number ON extensions WHEN OLD.number <> NEW.number
BEGIN
  DELETE FROM ps_endpoints WHERE id = OLD.number;
  DELETE FROM ps_auths WHERE id = OLD.number;
  DELETE FROM ps_aors WHERE id = OLD.number;
END;

CREATE TRIGGER sb_extension_leaves_pjsip AFTER UPDATE OF technology ON extensions WHEN NEW.technology <> 'pjsip'
BEGIN
  DELETE FROM ps_endpoints WHERE id = NEW.number;
  DELETE FROM ps_auths WHERE id = NEW.number;
  DELETE FROM ps_aors WHERE id = NEW.number;
END;

CREATE TRIGGER sb_extension_delete AFTER DELETE ON extensions
BEGIN
  DELETE FROM ps_endpoints WHERE id = OLD.number;
  DELETE FROM ps_auths WHERE id = OLD.number;
  DELETE FROM ps_aors WHERE id = OLD.number;
  DELETE FROM astdb WHERE family IN ('CF', 'CFB', 'CFU', 'DND', 'CW') AND key = OLD.number;
END;

-- Ring groups; members in order (Issabel's extension_list, stored `-`-joined by the originals).
CREATE TABLE ring_groups (
  number                   TEXT PRIMARY KEY CHECK (number <> ''),
  name                     TEXT NOT NULL DEFAULT '',
  strategy                 TEXT NOT NULL DEFAULT 'ringall' CHECK (strategy IN ('ringall', 'ringall-prim', 'hunt', 'hunt-prim', 'memoryhunt', 'memoryhunt-prim', 'firstavailable', 'firstnotonphone')),
  ring_time                INTEGER NOT NULL DEFAULT 20 CHECK (ring_time BETWEEN 1 AND 300),
  announcement_id          INTEGER NOT NULL DEFAULT 0,
  remote_announce_id       INTEGER NOT NULL DEFAULT 0,
  too_late_announce_id     INTEGER NOT NULL DEFAULT 0,
  alert_info               TEXT NOT NULL DEFAULT '',
  cid_name_prefix          TEXT NOT NULL DEFAULT '',
  change_callerid          TEXT NOT NULL DEFAULT 'default',
  fixed_callerid           TEXT NOT NULL DEFAULT '',
  confirm_calls            INTEGER NOT NULL DEFAULT 0 CHECK (confirm_calls IN (0, 1)),
  enable_call_pickup       INTEGER NOT NULL DEFAULT 0 CHECK (enable_call_pickup IN (0, 1)),
  ignore_call_forward      INTEGER NOT NULL DEFAULT 0 CHECK (ignore_call_forward IN (0, 1)),
  skip_busy_agent          INTEGER NOT NULL DEFAULT 0 CHECK (skip_busy_agent IN (0, 1)),
  music_on_hold_ringing    TEXT NOT NULL DEFAULT 'Ring',
  recording                TEXT NOT NULL DEFAULT 'dontcare' CHECK (recording IN ('always', 'dontcare', 'never')),
  destination_if_no_answer TEXT NOT NULL DEFAULT 'app-blackhole,hangup,1',
  tenant_id                INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id)
);

CREATE TABLE ring_group_members (
  group_number TEXT NOT NULL REFERENCES ring_groups (number) ON DELETE CASCADE ON UPDATE CASCADE,
  position     INTEGER NOT NULL,
  destination  TEXT NOT NULL CHECK (destination <> ''),
  PRIMARY KEY (group_number, position)
);

-- Follow-me: one per extension, with its list of numbers in order (Elastix's grplist).
CREATE TABLE follow_me (
  extension          TEXT PRIMARY KEY REFERENCES extensions (number) ON DELETE CASCADE ON UPDATE CASCADE,
  strategy           TEXT NOT NULL DEFAULT 'ringallv2' CHECK (strategy IN ('ringallv2', 'ringallv2-prim', 'ringall', 'ringall-prim', 'hunt', 'hunt-prim', 'memoryhunt', 'memoryhunt-prim', 'firstavailable', 'firstnotonphone')),
  ring_time          INTEGER NOT NULL DEFAULT 20 CHECK (ring_time BETWEEN 1 AND 60),
  prefix             TEXT NOT NULL DEFAULT '',
  announcement_id    INTEGER NOT NULL DEFAULT 0,
  remote_alert_id    INTEGER NOT NULL DEFAULT 0,
  too_late_id        INTEGER NOT NULL DEFAULT 0,
  post_destination   TEXT NOT NULL DEFAULT '',
  alert_info         TEXT NOT NULL DEFAULT '',
  confirm_calls      TEXT NOT NULL DEFAULT '',
  pre_ring           INTEGER NOT NULL DEFAULT 0 CHECK (pre_ring BETWEEN 0 AND 60),
  music_on_hold_ringing TEXT NOT NULL DEFAULT 'Ring',
  enabled            INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))
);

CREATE TABLE follow_me_numbers (
  extension TEXT NOT NULL REFERENCES follow_me (extension) ON DELETE CASCADE ON UPDATE CASCADE,
  position  INTEGER NOT NULL,
  number    TEXT NOT NULL CHECK (number <> ''),
  PRIMARY KEY (extension, position)
);

-- Trunks. A PJSIP trunk is rendered as an endpoint, AOR, auth and (with register = 1) a registration.
CREATE TABLE trunks (
  name          TEXT PRIMARY KEY CHECK (name <> '' AND name NOT GLOB '*[^0-9A-Za-z_.-]*'),
  technology    TEXT NOT NULL DEFAULT 'pjsip' CHECK (technology IN ('pjsip', 'sip', 'iax2', 'dahdi', 'custom')),
  host          TEXT NOT NULL DEFAULT '',
  port          INTEGER NOT NULL DEFAULT 5060,
  username      TEXT NOT NULL DEFAULT '',
  secret        TEXT NOT NULL DEFAULT '',
  register      INTEGER NOT NULL DEFAULT 0 CHECK (register IN (0, 1)),
  context       TEXT NOT NULL DEFAULT 'from-trunk',
  outbound_cid  TEXT NOT NULL DEFAULT '',
  max_channels  INTEGER NOT NULL DEFAULT 0,
  dial_prefix   TEXT NOT NULL DEFAULT '',
  codecs        TEXT NOT NULL DEFAULT 'ulaw,alaw',
  enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  tenant_id     INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id)
);

-- Queues and members, with Asterisk's realtime names (queues / queue_members).
CREATE TABLE queues (
  name            TEXT PRIMARY KEY CHECK (name <> ''),
  description     TEXT NOT NULL DEFAULT '',
  strategy        TEXT NOT NULL DEFAULT 'ringall' CHECK (strategy IN ('ringall', 'leastrecent', 'fewestcalls', 'random', 'rrmemory', 'linear', 'wrandom', 'rrordered')),
  timeout         INTEGER NOT NULL DEFAULT 15,
  retry           INTEGER NOT NULL DEFAULT 5,
  wrapuptime      INTEGER NOT NULL DEFAULT 0,
  maxlen          INTEGER NOT NULL DEFAULT 0,
  servicelevel    INTEGER NOT NULL DEFAULT 60,
  weight          INTEGER NOT NULL DEFAULT 0,
  musiconhold     TEXT NOT NULL DEFAULT 'default',
  announce        TEXT NOT NULL DEFAULT '',
  joinempty       TEXT NOT NULL DEFAULT 'yes',
  leavewhenempty  TEXT NOT NULL DEFAULT 'no',
  ringinuse       TEXT NOT NULL DEFAULT 'no',
  tenant_id       INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id)
);

CREATE TABLE queue_members (
  uniqueid        INTEGER PRIMARY KEY,
  queue_name      TEXT NOT NULL REFERENCES queues (name) ON DELETE CASCADE ON UPDATE CASCADE,
  interface       TEXT NOT NULL,
  membername      TEXT NOT NULL DEFAULT '',
  state_interface TEXT NOT NULL DEFAULT '',
  penalty         INTEGER NOT NULL DEFAULT 0,
  paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  UNIQUE (queue_name, interface)
);

-- Inbound routes: DID (and optional caller id) → destination (`context,exten,priority`).
CREATE TABLE inbound_routes (
  id          INTEGER PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  did         TEXT NOT NULL DEFAULT '',
  cid         TEXT NOT NULL DEFAULT '',
  destination TEXT NOT NULL,
  tenant_id   INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id),
  UNIQUE (did, cid)
);

-- Outbound routes: dial patterns → trunks in order of preference.
CREATE TABLE outbound_routes (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  position     INTEGER NOT NULL DEFAULT 0,
  outbound_cid TEXT NOT NULL DEFAULT '',
  emergency    INTEGER NOT NULL DEFAULT 0 CHECK (emergency IN (0, 1)),
  tenant_id    INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id)
);

CREATE TABLE outbound_route_patterns (
  route_id    INTEGER NOT NULL REFERENCES outbound_routes (id) ON DELETE CASCADE,
  match       TEXT NOT NULL,
  prefix      TEXT NOT NULL DEFAULT '',
  prepend     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (route_id, match, prefix)
);

CREATE TABLE outbound_route_trunks (
  route_id   INTEGER NOT NULL REFERENCES outbound_routes (id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,
  trunk_name TEXT NOT NULL REFERENCES trunks (name) ON DELETE CASCADE ON UPDATE CASCADE,
  PRIMARY KEY (route_id, position)
);

-- IVRs and their key presses.
CREATE TABLE ivrs (
  id                  INTEGER PRIMARY KEY,
  name                TEXT NOT NULL UNIQUE,
  announcement        TEXT NOT NULL DEFAULT '',
  timeout             INTEGER NOT NULL DEFAULT 10,
  direct_dial         INTEGER NOT NULL DEFAULT 0 CHECK (direct_dial IN (0, 1)),
  invalid_destination TEXT NOT NULL DEFAULT '',
  timeout_destination TEXT NOT NULL DEFAULT '',
  tenant_id           INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id)
);

CREATE TABLE ivr_entries (
  ivr_id      INTEGER NOT NULL REFERENCES ivrs (id) ON DELETE CASCADE,
  digits      TEXT NOT NULL CHECK (digits <> ''),
  destination TEXT NOT NULL,
  PRIMARY KEY (ivr_id, digits)
);

-- Time conditions: weekly open hours and holidays, each sending calls one way or the other.
CREATE TABLE day_timers (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  weekdays    TEXT NOT NULL DEFAULT 'mon-fri',
  begin_time  TEXT NOT NULL DEFAULT '09:00',
  end_time    TEXT NOT NULL DEFAULT '17:00',
  state       TEXT NOT NULL DEFAULT 'auto' CHECK (state IN ('auto', 'open', 'closed')),
  destination_open   TEXT NOT NULL DEFAULT '',
  destination_closed TEXT NOT NULL DEFAULT '',
  tenant_id   INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id)
);

CREATE TABLE holiday_timers (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  starts      TEXT NOT NULL,
  ends        TEXT NOT NULL,
  destination TEXT NOT NULL DEFAULT '',
  tenant_id   INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id),
  CHECK (ends >= starts)
);

-- Voicemail boxes, with app_voicemail's realtime names (voicemail table).
CREATE TABLE voicemail (
  uniqueid          INTEGER PRIMARY KEY,
  context           TEXT NOT NULL DEFAULT 'default',
  mailbox           TEXT NOT NULL,
  password          TEXT NOT NULL DEFAULT '',
  fullname          TEXT NOT NULL DEFAULT '',
  email             TEXT NOT NULL DEFAULT '',
  pager             TEXT NOT NULL DEFAULT '',
  attach            TEXT NOT NULL DEFAULT 'yes',
  delete_after_email TEXT NOT NULL DEFAULT 'no',
  tenant_id         INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id),
  UNIQUE (context, mailbox)
);

-- Asterisk's astdb as the dialplan sees it: call forward (CF, CFB, CFU), DND, call waiting (CW)
-- keyed by extension, and anything else a flavor keeps there.
CREATE TABLE astdb (
  family TEXT NOT NULL,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (family, key)
);
