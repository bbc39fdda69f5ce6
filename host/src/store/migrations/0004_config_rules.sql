-- Switchboard PBX model, version 4: every configuration column holds only what Asterisk can take.
--
-- apply-changes writes these columns into Asterisk's config files, where a line break ends a
-- line, a `[` opening a line opens a section, `;` starts a comment and the dialplan evaluates
-- `${…}` and `$[…]`. So each column is held to a shape, and a write of anything else is refused
-- here, in the schema, whoever writes (a built-in flavor, a third-party plugin through the
-- `sqlite` capability, a script): `RAISE(ABORT, '<table>.<column>: <why>')`, the statement has no
-- effect, and a plugin sees a `constraint-violation` with that text. The shapes are documented
-- column by column in wit/pbx-schema.md; the SDK's `schema` module holds the same checks in Rust
-- (a test holds the two to the same verdicts and messages), so flavors check before writing.
--
-- Triggers rather than CHECK constraints: a CHECK added by rebuilding a table would fail the
-- migration on a row written before these rules, and the migration must never fail on old data.
-- BEFORE triggers check only what is written from now on: an UPDATE checks the columns it
-- changes, so an old row keeps working while its other columns are edited. An old row that
-- breaks a rule is not rendered by apply-changes, which reports it (table, key, column) and
-- renders everything else.
--
-- First, the triggers that hold what one value cannot show: PJSIP object names that would clash,
-- and a registering trunk without a host or user. Then the `sb_rules_<table>_<insert|update>`
-- triggers, which hold each column to its shape in the order of the SDK's `schema::RULES` (one
-- RAISE per check, the first failing check wins); SQLite runs a table's triggers newest first, so
-- a value's own shape is judged before its relations. Trigger names start with `sb_`, so the
-- authorizer allows their reads whatever a plugin's grant covers.

-- A trunk is rendered as PJSIP objects named after it (endpoint, AOR, identify, registration, and
-- its auth `<name>-auth`), as is every ps_* row (a ps_auths row as `<id>-auth`) and so every
-- PJSIP extension: two objects of one type and name make res_pjsip refuse the whole file. So a
-- trunk's name is never an extension's number or a ps_* row's id, and the other way round.
CREATE TRIGGER sb_names_trunk_insert BEFORE INSERT ON trunks
WHEN EXISTS (SELECT 1 FROM extensions WHERE number = NEW.name) OR EXISTS (SELECT 1 FROM ps_endpoints WHERE id = NEW.name)
  OR EXISTS (SELECT 1 FROM ps_auths WHERE id = NEW.name) OR EXISTS (SELECT 1 FROM ps_aors WHERE id = NEW.name)
  OR EXISTS (SELECT 1 FROM ps_registrations WHERE id = NEW.name)
BEGIN
  SELECT RAISE(ABORT, 'trunks.name: is already an extension or a PJSIP object, whose config sections a trunk''s would clash with');
END;

CREATE TRIGGER sb_names_trunk_update BEFORE UPDATE OF name ON trunks
WHEN NEW.name IS NOT OLD.name AND (EXISTS (SELECT 1 FROM extensions WHERE number = NEW.name)
  OR EXISTS (SELECT 1 FROM ps_endpoints WHERE id = NEW.name) OR EXISTS (SELECT 1 FROM ps_auths WHERE id = NEW.name)
  OR EXISTS (SELECT 1 FROM ps_aors WHERE id = NEW.name) OR EXISTS (SELECT 1 FROM ps_registrations WHERE id = NEW.name))
BEGIN
  SELECT RAISE(ABORT, 'trunks.name: is already an extension or a PJSIP object, whose config sections a trunk''s would clash with');
END;

CREATE TRIGGER sb_names_extension_insert BEFORE INSERT ON extensions
WHEN EXISTS (SELECT 1 FROM trunks WHERE name = NEW.number)
BEGIN
  SELECT RAISE(ABORT, 'extensions.number: is already the name of a trunk, whose config sections the extension''s would clash with');
END;

CREATE TRIGGER sb_names_extension_update BEFORE UPDATE OF number ON extensions
WHEN NEW.number IS NOT OLD.number AND EXISTS (SELECT 1 FROM trunks WHERE name = NEW.number)
BEGIN
  SELECT RAISE(ABORT, 'extensions.number: is already the name of a trunk, whose config sections the extension''s would clash with');
END;

CREATE TRIGGER sb_names_ps_endpoints_insert BEFORE INSERT ON ps_endpoints
WHEN EXISTS (SELECT 1 FROM trunks WHERE name = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'ps_endpoints.id: is already the name of a trunk, whose config sections it would clash with');
END;

CREATE TRIGGER sb_names_ps_endpoints_update BEFORE UPDATE OF id ON ps_endpoints
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM trunks WHERE name = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'ps_endpoints.id: is already the name of a trunk, whose config sections it would clash with');
END;

CREATE TRIGGER sb_names_ps_auths_insert BEFORE INSERT ON ps_auths
WHEN EXISTS (SELECT 1 FROM trunks WHERE name = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'ps_auths.id: is already the name of a trunk, whose config sections it would clash with');
END;

CREATE TRIGGER sb_names_ps_auths_update BEFORE UPDATE OF id ON ps_auths
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM trunks WHERE name = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'ps_auths.id: is already the name of a trunk, whose config sections it would clash with');
END;

CREATE TRIGGER sb_names_ps_aors_insert BEFORE INSERT ON ps_aors
WHEN EXISTS (SELECT 1 FROM trunks WHERE name = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'ps_aors.id: is already the name of a trunk, whose config sections it would clash with');
END;

CREATE TRIGGER sb_names_ps_aors_update BEFORE UPDATE OF id ON ps_aors
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM trunks WHERE name = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'ps_aors.id: is already the name of a trunk, whose config sections it would clash with');
END;

CREATE TRIGGER sb_names_ps_registrations_insert BEFORE INSERT ON ps_registrations
WHEN EXISTS (SELECT 1 FROM trunks WHERE name = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'ps_registrations.id: is already the name of a trunk, whose config sections it would clash with');
END;

CREATE TRIGGER sb_names_ps_registrations_update BEFORE UPDATE OF id ON ps_registrations
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM trunks WHERE name = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'ps_registrations.id: is already the name of a trunk, whose config sections it would clash with');
END;

-- A registering trunk is rendered with `server_uri=sip:<host>:<port>` and
-- `client_uri=sip:<username>@<host>:<port>`: it needs both.
CREATE TRIGGER sb_registration_insert BEFORE INSERT ON trunks WHEN NEW.register = 1
BEGIN
  SELECT RAISE(ABORT, 'trunks.host: is empty, and a registering trunk needs its provider''s host') WHERE NEW.host = '';
  SELECT RAISE(ABORT, 'trunks.username: is empty, and a registering trunk needs a user to register as') WHERE NEW.username = '';
END;

CREATE TRIGGER sb_registration_update BEFORE UPDATE OF register, host, username ON trunks WHEN NEW.register = 1
BEGIN
  SELECT RAISE(ABORT, 'trunks.host: is empty, and a registering trunk needs its provider''s host') WHERE NEW.host = '';
  SELECT RAISE(ABORT, 'trunks.username: is empty, and a registering trunk needs a user to register as') WHERE NEW.username = '';
END;

CREATE TRIGGER sb_rules_tenants_insert BEFORE INSERT ON tenants
BEGIN
  SELECT RAISE(ABORT, 'tenants.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'tenants.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'tenants.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0;
  SELECT RAISE(ABORT, 'tenants.name: is longer than 80 characters') WHERE length(NEW.name) > 80;
  SELECT RAISE(ABORT, 'tenants.description: must be text') WHERE typeof(NEW.description) <> 'text';
  SELECT RAISE(ABORT, 'tenants.description: holds a line break or another control character') WHERE instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'tenants.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0;
  SELECT RAISE(ABORT, 'tenants.description: is longer than 255 characters') WHERE length(NEW.description) > 255;
END;

CREATE TRIGGER sb_rules_tenants_update BEFORE UPDATE ON tenants
BEGIN
  SELECT RAISE(ABORT, 'tenants.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'tenants.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'tenants.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.name IS NOT OLD.name AND (instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0);
  SELECT RAISE(ABORT, 'tenants.name: is longer than 80 characters') WHERE NEW.name IS NOT OLD.name AND (length(NEW.name) > 80);
  SELECT RAISE(ABORT, 'tenants.description: must be text') WHERE NEW.description IS NOT OLD.description AND (typeof(NEW.description) <> 'text');
  SELECT RAISE(ABORT, 'tenants.description: holds a line break or another control character') WHERE NEW.description IS NOT OLD.description AND (instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'tenants.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.description IS NOT OLD.description AND (instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0);
  SELECT RAISE(ABORT, 'tenants.description: is longer than 255 characters') WHERE NEW.description IS NOT OLD.description AND (length(NEW.description) > 255);
END;

CREATE TRIGGER sb_rules_extensions_insert BEFORE INSERT ON extensions
BEGIN
  SELECT RAISE(ABORT, 'extensions.number: must be text') WHERE typeof(NEW.number) <> 'text';
  SELECT RAISE(ABORT, 'extensions.number: holds a line break or another control character') WHERE instr(CAST(NEW.number AS BLOB), x'00') > 0 OR NEW.number GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'extensions.number: must be 1 to 20 digits') WHERE NEW.number = '' OR NEW.number GLOB '*[^0-9]*' OR length(NEW.number) > 20;
  SELECT RAISE(ABORT, 'extensions.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'extensions.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'extensions.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0;
  SELECT RAISE(ABORT, 'extensions.name: is longer than 100 characters') WHERE length(NEW.name) > 100;
  SELECT RAISE(ABORT, 'extensions.secret: must be text') WHERE typeof(NEW.secret) <> 'text';
  SELECT RAISE(ABORT, 'extensions.secret: holds a line break or another control character') WHERE instr(CAST(NEW.secret AS BLOB), x'00') > 0 OR NEW.secret GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'extensions.secret: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.secret, '${') > 0 OR instr(NEW.secret, '$[') > 0;
  SELECT RAISE(ABORT, 'extensions.secret: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.secret, 1, 1) = ' ' OR substr(NEW.secret, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'extensions.secret: is longer than 128 characters') WHERE length(NEW.secret) > 128;
  SELECT RAISE(ABORT, 'extensions.technology: must be one of pjsip, sip, iax2, dahdi, virtual, custom') WHERE typeof(NEW.technology) <> 'text' OR NEW.technology NOT IN ('pjsip', 'sip', 'iax2', 'dahdi', 'virtual', 'custom');
  SELECT RAISE(ABORT, 'extensions.context: must be text') WHERE typeof(NEW.context) <> 'text';
  SELECT RAISE(ABORT, 'extensions.context: holds a line break or another control character') WHERE instr(CAST(NEW.context AS BLOB), x'00') > 0 OR NEW.context GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'extensions.context: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.context = '' OR NEW.context GLOB '*[^0-9A-Za-z_-]*' OR NEW.context GLOB '[_-]*' OR length(NEW.context) > 80;
  SELECT RAISE(ABORT, 'extensions.callerid: must be text') WHERE typeof(NEW.callerid) <> 'text';
  SELECT RAISE(ABORT, 'extensions.callerid: holds a line break or another control character') WHERE instr(CAST(NEW.callerid AS BLOB), x'00') > 0 OR NEW.callerid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'extensions.callerid: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.callerid, '${') > 0 OR instr(NEW.callerid, '$[') > 0;
  SELECT RAISE(ABORT, 'extensions.callerid: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.callerid, 1, 1) = ' ' OR substr(NEW.callerid, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'extensions.callerid: is longer than 200 characters') WHERE length(NEW.callerid) > 200;
  SELECT RAISE(ABORT, 'extensions.outbound_cid: must be text') WHERE typeof(NEW.outbound_cid) <> 'text';
  SELECT RAISE(ABORT, 'extensions.outbound_cid: holds a line break or another control character') WHERE instr(CAST(NEW.outbound_cid AS BLOB), x'00') > 0 OR NEW.outbound_cid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'extensions.outbound_cid: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } `)') WHERE NEW.outbound_cid GLOB '*[];,()$\&|[{}`]*';
  SELECT RAISE(ABORT, 'extensions.outbound_cid: is longer than 80 characters') WHERE length(NEW.outbound_cid) > 80;
  SELECT RAISE(ABORT, 'extensions.voicemail: must be text') WHERE typeof(NEW.voicemail) <> 'text';
  SELECT RAISE(ABORT, 'extensions.voicemail: holds a line break or another control character') WHERE instr(CAST(NEW.voicemail AS BLOB), x'00') > 0 OR NEW.voicemail GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'extensions.voicemail: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.voicemail = '' OR NEW.voicemail GLOB '*[^0-9A-Za-z_-]*' OR NEW.voicemail GLOB '[_-]*' OR length(NEW.voicemail) > 80;
  SELECT RAISE(ABORT, 'extensions.ring_time: must be a whole number from 0 to 300') WHERE typeof(NEW.ring_time) <> 'integer' OR NEW.ring_time < 0 OR NEW.ring_time > 300;
  SELECT RAISE(ABORT, 'extensions.recording_in_external: must be one of always, dontcare, never') WHERE typeof(NEW.recording_in_external) <> 'text' OR NEW.recording_in_external NOT IN ('always', 'dontcare', 'never');
  SELECT RAISE(ABORT, 'extensions.recording_out_external: must be one of always, dontcare, never') WHERE typeof(NEW.recording_out_external) <> 'text' OR NEW.recording_out_external NOT IN ('always', 'dontcare', 'never');
  SELECT RAISE(ABORT, 'extensions.recording_in_internal: must be one of always, dontcare, never') WHERE typeof(NEW.recording_in_internal) <> 'text' OR NEW.recording_in_internal NOT IN ('always', 'dontcare', 'never');
  SELECT RAISE(ABORT, 'extensions.recording_out_internal: must be one of always, dontcare, never') WHERE typeof(NEW.recording_out_internal) <> 'text' OR NEW.recording_out_internal NOT IN ('always', 'dontcare', 'never');
  SELECT RAISE(ABORT, 'extensions.recording_ondemand: must be one of enabled, disabled') WHERE typeof(NEW.recording_ondemand) <> 'text' OR NEW.recording_ondemand NOT IN ('enabled', 'disabled');
END;

CREATE TRIGGER sb_rules_extensions_update BEFORE UPDATE ON extensions
BEGIN
  SELECT RAISE(ABORT, 'extensions.number: must be text') WHERE NEW.number IS NOT OLD.number AND (typeof(NEW.number) <> 'text');
  SELECT RAISE(ABORT, 'extensions.number: holds a line break or another control character') WHERE NEW.number IS NOT OLD.number AND (instr(CAST(NEW.number AS BLOB), x'00') > 0 OR NEW.number GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'extensions.number: must be 1 to 20 digits') WHERE NEW.number IS NOT OLD.number AND (NEW.number = '' OR NEW.number GLOB '*[^0-9]*' OR length(NEW.number) > 20);
  SELECT RAISE(ABORT, 'extensions.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'extensions.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'extensions.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.name IS NOT OLD.name AND (instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0);
  SELECT RAISE(ABORT, 'extensions.name: is longer than 100 characters') WHERE NEW.name IS NOT OLD.name AND (length(NEW.name) > 100);
  SELECT RAISE(ABORT, 'extensions.secret: must be text') WHERE NEW.secret IS NOT OLD.secret AND (typeof(NEW.secret) <> 'text');
  SELECT RAISE(ABORT, 'extensions.secret: holds a line break or another control character') WHERE NEW.secret IS NOT OLD.secret AND (instr(CAST(NEW.secret AS BLOB), x'00') > 0 OR NEW.secret GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'extensions.secret: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.secret IS NOT OLD.secret AND (instr(NEW.secret, '${') > 0 OR instr(NEW.secret, '$[') > 0);
  SELECT RAISE(ABORT, 'extensions.secret: starts or ends with a space, which Asterisk would drop') WHERE NEW.secret IS NOT OLD.secret AND (substr(NEW.secret, 1, 1) = ' ' OR substr(NEW.secret, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'extensions.secret: is longer than 128 characters') WHERE NEW.secret IS NOT OLD.secret AND (length(NEW.secret) > 128);
  SELECT RAISE(ABORT, 'extensions.technology: must be one of pjsip, sip, iax2, dahdi, virtual, custom') WHERE NEW.technology IS NOT OLD.technology AND (typeof(NEW.technology) <> 'text' OR NEW.technology NOT IN ('pjsip', 'sip', 'iax2', 'dahdi', 'virtual', 'custom'));
  SELECT RAISE(ABORT, 'extensions.context: must be text') WHERE NEW.context IS NOT OLD.context AND (typeof(NEW.context) <> 'text');
  SELECT RAISE(ABORT, 'extensions.context: holds a line break or another control character') WHERE NEW.context IS NOT OLD.context AND (instr(CAST(NEW.context AS BLOB), x'00') > 0 OR NEW.context GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'extensions.context: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.context IS NOT OLD.context AND (NEW.context = '' OR NEW.context GLOB '*[^0-9A-Za-z_-]*' OR NEW.context GLOB '[_-]*' OR length(NEW.context) > 80);
  SELECT RAISE(ABORT, 'extensions.callerid: must be text') WHERE NEW.callerid IS NOT OLD.callerid AND (typeof(NEW.callerid) <> 'text');
  SELECT RAISE(ABORT, 'extensions.callerid: holds a line break or another control character') WHERE NEW.callerid IS NOT OLD.callerid AND (instr(CAST(NEW.callerid AS BLOB), x'00') > 0 OR NEW.callerid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'extensions.callerid: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.callerid IS NOT OLD.callerid AND (instr(NEW.callerid, '${') > 0 OR instr(NEW.callerid, '$[') > 0);
  SELECT RAISE(ABORT, 'extensions.callerid: starts or ends with a space, which Asterisk would drop') WHERE NEW.callerid IS NOT OLD.callerid AND (substr(NEW.callerid, 1, 1) = ' ' OR substr(NEW.callerid, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'extensions.callerid: is longer than 200 characters') WHERE NEW.callerid IS NOT OLD.callerid AND (length(NEW.callerid) > 200);
  SELECT RAISE(ABORT, 'extensions.outbound_cid: must be text') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (typeof(NEW.outbound_cid) <> 'text');
  SELECT RAISE(ABORT, 'extensions.outbound_cid: holds a line break or another control character') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (instr(CAST(NEW.outbound_cid AS BLOB), x'00') > 0 OR NEW.outbound_cid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'extensions.outbound_cid: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } `)') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (NEW.outbound_cid GLOB '*[];,()$\&|[{}`]*');
  SELECT RAISE(ABORT, 'extensions.outbound_cid: is longer than 80 characters') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (length(NEW.outbound_cid) > 80);
  SELECT RAISE(ABORT, 'extensions.voicemail: must be text') WHERE NEW.voicemail IS NOT OLD.voicemail AND (typeof(NEW.voicemail) <> 'text');
  SELECT RAISE(ABORT, 'extensions.voicemail: holds a line break or another control character') WHERE NEW.voicemail IS NOT OLD.voicemail AND (instr(CAST(NEW.voicemail AS BLOB), x'00') > 0 OR NEW.voicemail GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'extensions.voicemail: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.voicemail IS NOT OLD.voicemail AND (NEW.voicemail = '' OR NEW.voicemail GLOB '*[^0-9A-Za-z_-]*' OR NEW.voicemail GLOB '[_-]*' OR length(NEW.voicemail) > 80);
  SELECT RAISE(ABORT, 'extensions.ring_time: must be a whole number from 0 to 300') WHERE NEW.ring_time IS NOT OLD.ring_time AND (typeof(NEW.ring_time) <> 'integer' OR NEW.ring_time < 0 OR NEW.ring_time > 300);
  SELECT RAISE(ABORT, 'extensions.recording_in_external: must be one of always, dontcare, never') WHERE NEW.recording_in_external IS NOT OLD.recording_in_external AND (typeof(NEW.recording_in_external) <> 'text' OR NEW.recording_in_external NOT IN ('always', 'dontcare', 'never'));
  SELECT RAISE(ABORT, 'extensions.recording_out_external: must be one of always, dontcare, never') WHERE NEW.recording_out_external IS NOT OLD.recording_out_external AND (typeof(NEW.recording_out_external) <> 'text' OR NEW.recording_out_external NOT IN ('always', 'dontcare', 'never'));
  SELECT RAISE(ABORT, 'extensions.recording_in_internal: must be one of always, dontcare, never') WHERE NEW.recording_in_internal IS NOT OLD.recording_in_internal AND (typeof(NEW.recording_in_internal) <> 'text' OR NEW.recording_in_internal NOT IN ('always', 'dontcare', 'never'));
  SELECT RAISE(ABORT, 'extensions.recording_out_internal: must be one of always, dontcare, never') WHERE NEW.recording_out_internal IS NOT OLD.recording_out_internal AND (typeof(NEW.recording_out_internal) <> 'text' OR NEW.recording_out_internal NOT IN ('always', 'dontcare', 'never'));
  SELECT RAISE(ABORT, 'extensions.recording_ondemand: must be one of enabled, disabled') WHERE NEW.recording_ondemand IS NOT OLD.recording_ondemand AND (typeof(NEW.recording_ondemand) <> 'text' OR NEW.recording_ondemand NOT IN ('enabled', 'disabled'));
END;

CREATE TRIGGER sb_rules_device_options_insert BEFORE INSERT ON device_options
BEGIN
  SELECT RAISE(ABORT, 'device_options.number: must be text') WHERE typeof(NEW.number) <> 'text';
  SELECT RAISE(ABORT, 'device_options.number: holds a line break or another control character') WHERE instr(CAST(NEW.number AS BLOB), x'00') > 0 OR NEW.number GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'device_options.number: must be 1 to 20 digits') WHERE NEW.number = '' OR NEW.number GLOB '*[^0-9]*' OR length(NEW.number) > 20;
  SELECT RAISE(ABORT, 'device_options.key: must be text') WHERE typeof(NEW.key) <> 'text';
  SELECT RAISE(ABORT, 'device_options.key: holds a line break or another control character') WHERE instr(CAST(NEW.key AS BLOB), x'00') > 0 OR NEW.key GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'device_options.key: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.key = '' OR NEW.key GLOB '*[^0-9A-Za-z_-]*' OR NEW.key GLOB '[_-]*' OR length(NEW.key) > 80;
  SELECT RAISE(ABORT, 'device_options.value: must be text') WHERE typeof(NEW.value) <> 'text';
  SELECT RAISE(ABORT, 'device_options.value: holds a line break or another control character') WHERE instr(CAST(NEW.value AS BLOB), x'00') > 0 OR NEW.value GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'device_options.value: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.value, '${') > 0 OR instr(NEW.value, '$[') > 0;
  SELECT RAISE(ABORT, 'device_options.value: is longer than 255 characters') WHERE length(NEW.value) > 255;
END;

CREATE TRIGGER sb_rules_device_options_update BEFORE UPDATE ON device_options
BEGIN
  SELECT RAISE(ABORT, 'device_options.number: must be text') WHERE NEW.number IS NOT OLD.number AND (typeof(NEW.number) <> 'text');
  SELECT RAISE(ABORT, 'device_options.number: holds a line break or another control character') WHERE NEW.number IS NOT OLD.number AND (instr(CAST(NEW.number AS BLOB), x'00') > 0 OR NEW.number GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'device_options.number: must be 1 to 20 digits') WHERE NEW.number IS NOT OLD.number AND (NEW.number = '' OR NEW.number GLOB '*[^0-9]*' OR length(NEW.number) > 20);
  SELECT RAISE(ABORT, 'device_options.key: must be text') WHERE NEW.key IS NOT OLD.key AND (typeof(NEW.key) <> 'text');
  SELECT RAISE(ABORT, 'device_options.key: holds a line break or another control character') WHERE NEW.key IS NOT OLD.key AND (instr(CAST(NEW.key AS BLOB), x'00') > 0 OR NEW.key GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'device_options.key: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.key IS NOT OLD.key AND (NEW.key = '' OR NEW.key GLOB '*[^0-9A-Za-z_-]*' OR NEW.key GLOB '[_-]*' OR length(NEW.key) > 80);
  SELECT RAISE(ABORT, 'device_options.value: must be text') WHERE NEW.value IS NOT OLD.value AND (typeof(NEW.value) <> 'text');
  SELECT RAISE(ABORT, 'device_options.value: holds a line break or another control character') WHERE NEW.value IS NOT OLD.value AND (instr(CAST(NEW.value AS BLOB), x'00') > 0 OR NEW.value GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'device_options.value: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.value IS NOT OLD.value AND (instr(NEW.value, '${') > 0 OR instr(NEW.value, '$[') > 0);
  SELECT RAISE(ABORT, 'device_options.value: is longer than 255 characters') WHERE NEW.value IS NOT OLD.value AND (length(NEW.value) > 255);
END;

CREATE TRIGGER sb_rules_ps_endpoints_insert BEFORE INSERT ON ps_endpoints
BEGIN
  SELECT RAISE(ABORT, 'ps_endpoints.id: must be text') WHERE typeof(NEW.id) <> 'text';
  SELECT RAISE(ABORT, 'ps_endpoints.id: holds a line break or another control character') WHERE instr(CAST(NEW.id AS BLOB), x'00') > 0 OR NEW.id GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_endpoints.id: must be 1 to 80 letters, digits and _ . + * # -') WHERE NEW.id = '' OR NEW.id GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.id) > 80;
  SELECT RAISE(ABORT, 'ps_endpoints.transport: must be text') WHERE NEW.transport <> '' AND (typeof(NEW.transport) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.transport: holds a line break or another control character') WHERE NEW.transport <> '' AND (instr(CAST(NEW.transport AS BLOB), x'00') > 0 OR NEW.transport GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.transport: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.transport <> '' AND (NEW.transport = '' OR NEW.transport GLOB '*[^0-9A-Za-z_-]*' OR NEW.transport GLOB '[_-]*' OR length(NEW.transport) > 80);
  SELECT RAISE(ABORT, 'ps_endpoints.aors: must be text') WHERE typeof(NEW.aors) <> 'text';
  SELECT RAISE(ABORT, 'ps_endpoints.aors: holds a line break or another control character') WHERE instr(CAST(NEW.aors AS BLOB), x'00') > 0 OR NEW.aors GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_endpoints.aors: must be names (letters, digits and _ . + * # -) separated by commas') WHERE NEW.aors GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.aors GLOB ',*' OR NEW.aors GLOB '*,' OR instr(NEW.aors, ',,') > 0 OR length(NEW.aors) > 255;
  SELECT RAISE(ABORT, 'ps_endpoints.auth: must be text') WHERE typeof(NEW.auth) <> 'text';
  SELECT RAISE(ABORT, 'ps_endpoints.auth: holds a line break or another control character') WHERE instr(CAST(NEW.auth AS BLOB), x'00') > 0 OR NEW.auth GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_endpoints.auth: must be names (letters, digits and _ . + * # -) separated by commas') WHERE NEW.auth GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.auth GLOB ',*' OR NEW.auth GLOB '*,' OR instr(NEW.auth, ',,') > 0 OR length(NEW.auth) > 255;
  SELECT RAISE(ABORT, 'ps_endpoints.outbound_auth: must be text') WHERE typeof(NEW.outbound_auth) <> 'text';
  SELECT RAISE(ABORT, 'ps_endpoints.outbound_auth: holds a line break or another control character') WHERE instr(CAST(NEW.outbound_auth AS BLOB), x'00') > 0 OR NEW.outbound_auth GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_endpoints.outbound_auth: must be names (letters, digits and _ . + * # -) separated by commas') WHERE NEW.outbound_auth GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.outbound_auth GLOB ',*' OR NEW.outbound_auth GLOB '*,' OR instr(NEW.outbound_auth, ',,') > 0 OR length(NEW.outbound_auth) > 255;
  SELECT RAISE(ABORT, 'ps_endpoints.context: must be text') WHERE typeof(NEW.context) <> 'text';
  SELECT RAISE(ABORT, 'ps_endpoints.context: holds a line break or another control character') WHERE instr(CAST(NEW.context AS BLOB), x'00') > 0 OR NEW.context GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_endpoints.context: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.context = '' OR NEW.context GLOB '*[^0-9A-Za-z_-]*' OR NEW.context GLOB '[_-]*' OR length(NEW.context) > 80;
  SELECT RAISE(ABORT, 'ps_endpoints.disallow: must be text') WHERE NEW.disallow <> '' AND (typeof(NEW.disallow) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.disallow: holds a line break or another control character') WHERE NEW.disallow <> '' AND (instr(CAST(NEW.disallow AS BLOB), x'00') > 0 OR NEW.disallow GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.disallow: must be codec names (letters, digits, _ and -) separated by commas') WHERE NEW.disallow <> '' AND (NEW.disallow = '' OR NEW.disallow GLOB '*[^0-9A-Za-z_,-]*' OR NEW.disallow GLOB ',*' OR NEW.disallow GLOB '*,' OR instr(NEW.disallow, ',,') > 0 OR length(NEW.disallow) > 200);
  SELECT RAISE(ABORT, 'ps_endpoints.allow: must be text') WHERE NEW.allow <> '' AND (typeof(NEW.allow) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.allow: holds a line break or another control character') WHERE NEW.allow <> '' AND (instr(CAST(NEW.allow AS BLOB), x'00') > 0 OR NEW.allow GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.allow: must be codec names (letters, digits, _ and -) separated by commas') WHERE NEW.allow <> '' AND (NEW.allow = '' OR NEW.allow GLOB '*[^0-9A-Za-z_,-]*' OR NEW.allow GLOB ',*' OR NEW.allow GLOB '*,' OR instr(NEW.allow, ',,') > 0 OR length(NEW.allow) > 200);
  SELECT RAISE(ABORT, 'ps_endpoints.direct_media: must be one of yes, no') WHERE NEW.direct_media <> '' AND (typeof(NEW.direct_media) <> 'text' OR NEW.direct_media NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.dtmf_mode: must be one of rfc4733, inband, info, auto, auto_info') WHERE NEW.dtmf_mode <> '' AND (typeof(NEW.dtmf_mode) <> 'text' OR NEW.dtmf_mode NOT IN ('rfc4733', 'inband', 'info', 'auto', 'auto_info'));
  SELECT RAISE(ABORT, 'ps_endpoints.callerid: must be text') WHERE typeof(NEW.callerid) <> 'text';
  SELECT RAISE(ABORT, 'ps_endpoints.callerid: holds a line break or another control character') WHERE instr(CAST(NEW.callerid AS BLOB), x'00') > 0 OR NEW.callerid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_endpoints.callerid: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.callerid, '${') > 0 OR instr(NEW.callerid, '$[') > 0;
  SELECT RAISE(ABORT, 'ps_endpoints.callerid: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.callerid, 1, 1) = ' ' OR substr(NEW.callerid, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'ps_endpoints.callerid: is longer than 200 characters') WHERE length(NEW.callerid) > 200;
  SELECT RAISE(ABORT, 'ps_endpoints.mailboxes: must be text') WHERE typeof(NEW.mailboxes) <> 'text';
  SELECT RAISE(ABORT, 'ps_endpoints.mailboxes: holds a line break or another control character') WHERE instr(CAST(NEW.mailboxes AS BLOB), x'00') > 0 OR NEW.mailboxes GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_endpoints.mailboxes: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.mailboxes, '${') > 0 OR instr(NEW.mailboxes, '$[') > 0;
  SELECT RAISE(ABORT, 'ps_endpoints.mailboxes: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.mailboxes, 1, 1) = ' ' OR substr(NEW.mailboxes, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'ps_endpoints.mailboxes: is longer than 255 characters') WHERE length(NEW.mailboxes) > 255;
  SELECT RAISE(ABORT, 'ps_endpoints.from_user: must be text') WHERE typeof(NEW.from_user) <> 'text';
  SELECT RAISE(ABORT, 'ps_endpoints.from_user: holds a line break or another control character') WHERE instr(CAST(NEW.from_user AS BLOB), x'00') > 0 OR NEW.from_user GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_endpoints.from_user: must be at most 80 letters, digits and _ . + * # -') WHERE NEW.from_user GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.from_user) > 80;
  SELECT RAISE(ABORT, 'ps_endpoints.from_domain: must be text') WHERE NEW.from_domain <> '' AND (typeof(NEW.from_domain) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.from_domain: holds a line break or another control character') WHERE NEW.from_domain <> '' AND (instr(CAST(NEW.from_domain AS BLOB), x'00') > 0 OR NEW.from_domain GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.from_domain: must be a host name or address (letters, digits and . _ - : [ ])') WHERE NEW.from_domain <> '' AND (NEW.from_domain = '' OR NEW.from_domain GLOB '*[^]0-9A-Za-z._:[-]*' OR length(NEW.from_domain) > 255);
  SELECT RAISE(ABORT, 'ps_endpoints.rtp_symmetric: must be one of yes, no') WHERE NEW.rtp_symmetric <> '' AND (typeof(NEW.rtp_symmetric) <> 'text' OR NEW.rtp_symmetric NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.force_rport: must be one of yes, no') WHERE NEW.force_rport <> '' AND (typeof(NEW.force_rport) <> 'text' OR NEW.force_rport NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.rewrite_contact: must be one of yes, no') WHERE NEW.rewrite_contact <> '' AND (typeof(NEW.rewrite_contact) <> 'text' OR NEW.rewrite_contact NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.ice_support: must be one of yes, no') WHERE NEW.ice_support <> '' AND (typeof(NEW.ice_support) <> 'text' OR NEW.ice_support NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.media_encryption: must be one of no, sdes, dtls') WHERE NEW.media_encryption <> '' AND (typeof(NEW.media_encryption) <> 'text' OR NEW.media_encryption NOT IN ('no', 'sdes', 'dtls'));
  SELECT RAISE(ABORT, 'ps_endpoints.trust_id_inbound: must be one of yes, no') WHERE NEW.trust_id_inbound <> '' AND (typeof(NEW.trust_id_inbound) <> 'text' OR NEW.trust_id_inbound NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.send_rpid: must be one of yes, no') WHERE NEW.send_rpid <> '' AND (typeof(NEW.send_rpid) <> 'text' OR NEW.send_rpid NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.call_group: must be text') WHERE typeof(NEW.call_group) <> 'text';
  SELECT RAISE(ABORT, 'ps_endpoints.call_group: holds a line break or another control character') WHERE instr(CAST(NEW.call_group AS BLOB), x'00') > 0 OR NEW.call_group GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_endpoints.call_group: must be group numbers and ranges separated by commas (1,3-5)') WHERE NEW.call_group GLOB '*[^0-9,-]*' OR length(NEW.call_group) > 80;
  SELECT RAISE(ABORT, 'ps_endpoints.pickup_group: must be text') WHERE typeof(NEW.pickup_group) <> 'text';
  SELECT RAISE(ABORT, 'ps_endpoints.pickup_group: holds a line break or another control character') WHERE instr(CAST(NEW.pickup_group AS BLOB), x'00') > 0 OR NEW.pickup_group GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_endpoints.pickup_group: must be group numbers and ranges separated by commas (1,3-5)') WHERE NEW.pickup_group GLOB '*[^0-9,-]*' OR length(NEW.pickup_group) > 80;
  SELECT RAISE(ABORT, 'ps_endpoints.device_state_busy_at: must be a whole number from 0 to 1000') WHERE typeof(NEW.device_state_busy_at) <> 'integer' OR NEW.device_state_busy_at < 0 OR NEW.device_state_busy_at > 1000;
  SELECT RAISE(ABORT, 'ps_endpoints.language: must be text') WHERE NEW.language <> '' AND (typeof(NEW.language) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.language: holds a line break or another control character') WHERE NEW.language <> '' AND (instr(CAST(NEW.language AS BLOB), x'00') > 0 OR NEW.language GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.language: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.language <> '' AND (NEW.language = '' OR NEW.language GLOB '*[^0-9A-Za-z_-]*' OR NEW.language GLOB '[_-]*' OR length(NEW.language) > 80);
END;

CREATE TRIGGER sb_rules_ps_endpoints_update BEFORE UPDATE ON ps_endpoints
BEGIN
  SELECT RAISE(ABORT, 'ps_endpoints.id: must be text') WHERE NEW.id IS NOT OLD.id AND (typeof(NEW.id) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.id: holds a line break or another control character') WHERE NEW.id IS NOT OLD.id AND (instr(CAST(NEW.id AS BLOB), x'00') > 0 OR NEW.id GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.id: must be 1 to 80 letters, digits and _ . + * # -') WHERE NEW.id IS NOT OLD.id AND (NEW.id = '' OR NEW.id GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.id) > 80);
  SELECT RAISE(ABORT, 'ps_endpoints.transport: must be text') WHERE NEW.transport IS NOT OLD.transport AND NEW.transport <> '' AND (typeof(NEW.transport) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.transport: holds a line break or another control character') WHERE NEW.transport IS NOT OLD.transport AND NEW.transport <> '' AND (instr(CAST(NEW.transport AS BLOB), x'00') > 0 OR NEW.transport GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.transport: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.transport IS NOT OLD.transport AND NEW.transport <> '' AND (NEW.transport = '' OR NEW.transport GLOB '*[^0-9A-Za-z_-]*' OR NEW.transport GLOB '[_-]*' OR length(NEW.transport) > 80);
  SELECT RAISE(ABORT, 'ps_endpoints.aors: must be text') WHERE NEW.aors IS NOT OLD.aors AND (typeof(NEW.aors) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.aors: holds a line break or another control character') WHERE NEW.aors IS NOT OLD.aors AND (instr(CAST(NEW.aors AS BLOB), x'00') > 0 OR NEW.aors GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.aors: must be names (letters, digits and _ . + * # -) separated by commas') WHERE NEW.aors IS NOT OLD.aors AND (NEW.aors GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.aors GLOB ',*' OR NEW.aors GLOB '*,' OR instr(NEW.aors, ',,') > 0 OR length(NEW.aors) > 255);
  SELECT RAISE(ABORT, 'ps_endpoints.auth: must be text') WHERE NEW.auth IS NOT OLD.auth AND (typeof(NEW.auth) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.auth: holds a line break or another control character') WHERE NEW.auth IS NOT OLD.auth AND (instr(CAST(NEW.auth AS BLOB), x'00') > 0 OR NEW.auth GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.auth: must be names (letters, digits and _ . + * # -) separated by commas') WHERE NEW.auth IS NOT OLD.auth AND (NEW.auth GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.auth GLOB ',*' OR NEW.auth GLOB '*,' OR instr(NEW.auth, ',,') > 0 OR length(NEW.auth) > 255);
  SELECT RAISE(ABORT, 'ps_endpoints.outbound_auth: must be text') WHERE NEW.outbound_auth IS NOT OLD.outbound_auth AND (typeof(NEW.outbound_auth) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.outbound_auth: holds a line break or another control character') WHERE NEW.outbound_auth IS NOT OLD.outbound_auth AND (instr(CAST(NEW.outbound_auth AS BLOB), x'00') > 0 OR NEW.outbound_auth GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.outbound_auth: must be names (letters, digits and _ . + * # -) separated by commas') WHERE NEW.outbound_auth IS NOT OLD.outbound_auth AND (NEW.outbound_auth GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.outbound_auth GLOB ',*' OR NEW.outbound_auth GLOB '*,' OR instr(NEW.outbound_auth, ',,') > 0 OR length(NEW.outbound_auth) > 255);
  SELECT RAISE(ABORT, 'ps_endpoints.context: must be text') WHERE NEW.context IS NOT OLD.context AND (typeof(NEW.context) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.context: holds a line break or another control character') WHERE NEW.context IS NOT OLD.context AND (instr(CAST(NEW.context AS BLOB), x'00') > 0 OR NEW.context GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.context: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.context IS NOT OLD.context AND (NEW.context = '' OR NEW.context GLOB '*[^0-9A-Za-z_-]*' OR NEW.context GLOB '[_-]*' OR length(NEW.context) > 80);
  SELECT RAISE(ABORT, 'ps_endpoints.disallow: must be text') WHERE NEW.disallow IS NOT OLD.disallow AND NEW.disallow <> '' AND (typeof(NEW.disallow) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.disallow: holds a line break or another control character') WHERE NEW.disallow IS NOT OLD.disallow AND NEW.disallow <> '' AND (instr(CAST(NEW.disallow AS BLOB), x'00') > 0 OR NEW.disallow GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.disallow: must be codec names (letters, digits, _ and -) separated by commas') WHERE NEW.disallow IS NOT OLD.disallow AND NEW.disallow <> '' AND (NEW.disallow = '' OR NEW.disallow GLOB '*[^0-9A-Za-z_,-]*' OR NEW.disallow GLOB ',*' OR NEW.disallow GLOB '*,' OR instr(NEW.disallow, ',,') > 0 OR length(NEW.disallow) > 200);
  SELECT RAISE(ABORT, 'ps_endpoints.allow: must be text') WHERE NEW.allow IS NOT OLD.allow AND NEW.allow <> '' AND (typeof(NEW.allow) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.allow: holds a line break or another control character') WHERE NEW.allow IS NOT OLD.allow AND NEW.allow <> '' AND (instr(CAST(NEW.allow AS BLOB), x'00') > 0 OR NEW.allow GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.allow: must be codec names (letters, digits, _ and -) separated by commas') WHERE NEW.allow IS NOT OLD.allow AND NEW.allow <> '' AND (NEW.allow = '' OR NEW.allow GLOB '*[^0-9A-Za-z_,-]*' OR NEW.allow GLOB ',*' OR NEW.allow GLOB '*,' OR instr(NEW.allow, ',,') > 0 OR length(NEW.allow) > 200);
  SELECT RAISE(ABORT, 'ps_endpoints.direct_media: must be one of yes, no') WHERE NEW.direct_media IS NOT OLD.direct_media AND NEW.direct_media <> '' AND (typeof(NEW.direct_media) <> 'text' OR NEW.direct_media NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.dtmf_mode: must be one of rfc4733, inband, info, auto, auto_info') WHERE NEW.dtmf_mode IS NOT OLD.dtmf_mode AND NEW.dtmf_mode <> '' AND (typeof(NEW.dtmf_mode) <> 'text' OR NEW.dtmf_mode NOT IN ('rfc4733', 'inband', 'info', 'auto', 'auto_info'));
  SELECT RAISE(ABORT, 'ps_endpoints.callerid: must be text') WHERE NEW.callerid IS NOT OLD.callerid AND (typeof(NEW.callerid) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.callerid: holds a line break or another control character') WHERE NEW.callerid IS NOT OLD.callerid AND (instr(CAST(NEW.callerid AS BLOB), x'00') > 0 OR NEW.callerid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.callerid: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.callerid IS NOT OLD.callerid AND (instr(NEW.callerid, '${') > 0 OR instr(NEW.callerid, '$[') > 0);
  SELECT RAISE(ABORT, 'ps_endpoints.callerid: starts or ends with a space, which Asterisk would drop') WHERE NEW.callerid IS NOT OLD.callerid AND (substr(NEW.callerid, 1, 1) = ' ' OR substr(NEW.callerid, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'ps_endpoints.callerid: is longer than 200 characters') WHERE NEW.callerid IS NOT OLD.callerid AND (length(NEW.callerid) > 200);
  SELECT RAISE(ABORT, 'ps_endpoints.mailboxes: must be text') WHERE NEW.mailboxes IS NOT OLD.mailboxes AND (typeof(NEW.mailboxes) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.mailboxes: holds a line break or another control character') WHERE NEW.mailboxes IS NOT OLD.mailboxes AND (instr(CAST(NEW.mailboxes AS BLOB), x'00') > 0 OR NEW.mailboxes GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.mailboxes: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.mailboxes IS NOT OLD.mailboxes AND (instr(NEW.mailboxes, '${') > 0 OR instr(NEW.mailboxes, '$[') > 0);
  SELECT RAISE(ABORT, 'ps_endpoints.mailboxes: starts or ends with a space, which Asterisk would drop') WHERE NEW.mailboxes IS NOT OLD.mailboxes AND (substr(NEW.mailboxes, 1, 1) = ' ' OR substr(NEW.mailboxes, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'ps_endpoints.mailboxes: is longer than 255 characters') WHERE NEW.mailboxes IS NOT OLD.mailboxes AND (length(NEW.mailboxes) > 255);
  SELECT RAISE(ABORT, 'ps_endpoints.from_user: must be text') WHERE NEW.from_user IS NOT OLD.from_user AND (typeof(NEW.from_user) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.from_user: holds a line break or another control character') WHERE NEW.from_user IS NOT OLD.from_user AND (instr(CAST(NEW.from_user AS BLOB), x'00') > 0 OR NEW.from_user GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.from_user: must be at most 80 letters, digits and _ . + * # -') WHERE NEW.from_user IS NOT OLD.from_user AND (NEW.from_user GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.from_user) > 80);
  SELECT RAISE(ABORT, 'ps_endpoints.from_domain: must be text') WHERE NEW.from_domain IS NOT OLD.from_domain AND NEW.from_domain <> '' AND (typeof(NEW.from_domain) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.from_domain: holds a line break or another control character') WHERE NEW.from_domain IS NOT OLD.from_domain AND NEW.from_domain <> '' AND (instr(CAST(NEW.from_domain AS BLOB), x'00') > 0 OR NEW.from_domain GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.from_domain: must be a host name or address (letters, digits and . _ - : [ ])') WHERE NEW.from_domain IS NOT OLD.from_domain AND NEW.from_domain <> '' AND (NEW.from_domain = '' OR NEW.from_domain GLOB '*[^]0-9A-Za-z._:[-]*' OR length(NEW.from_domain) > 255);
  SELECT RAISE(ABORT, 'ps_endpoints.rtp_symmetric: must be one of yes, no') WHERE NEW.rtp_symmetric IS NOT OLD.rtp_symmetric AND NEW.rtp_symmetric <> '' AND (typeof(NEW.rtp_symmetric) <> 'text' OR NEW.rtp_symmetric NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.force_rport: must be one of yes, no') WHERE NEW.force_rport IS NOT OLD.force_rport AND NEW.force_rport <> '' AND (typeof(NEW.force_rport) <> 'text' OR NEW.force_rport NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.rewrite_contact: must be one of yes, no') WHERE NEW.rewrite_contact IS NOT OLD.rewrite_contact AND NEW.rewrite_contact <> '' AND (typeof(NEW.rewrite_contact) <> 'text' OR NEW.rewrite_contact NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.ice_support: must be one of yes, no') WHERE NEW.ice_support IS NOT OLD.ice_support AND NEW.ice_support <> '' AND (typeof(NEW.ice_support) <> 'text' OR NEW.ice_support NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.media_encryption: must be one of no, sdes, dtls') WHERE NEW.media_encryption IS NOT OLD.media_encryption AND NEW.media_encryption <> '' AND (typeof(NEW.media_encryption) <> 'text' OR NEW.media_encryption NOT IN ('no', 'sdes', 'dtls'));
  SELECT RAISE(ABORT, 'ps_endpoints.trust_id_inbound: must be one of yes, no') WHERE NEW.trust_id_inbound IS NOT OLD.trust_id_inbound AND NEW.trust_id_inbound <> '' AND (typeof(NEW.trust_id_inbound) <> 'text' OR NEW.trust_id_inbound NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.send_rpid: must be one of yes, no') WHERE NEW.send_rpid IS NOT OLD.send_rpid AND NEW.send_rpid <> '' AND (typeof(NEW.send_rpid) <> 'text' OR NEW.send_rpid NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_endpoints.call_group: must be text') WHERE NEW.call_group IS NOT OLD.call_group AND (typeof(NEW.call_group) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.call_group: holds a line break or another control character') WHERE NEW.call_group IS NOT OLD.call_group AND (instr(CAST(NEW.call_group AS BLOB), x'00') > 0 OR NEW.call_group GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.call_group: must be group numbers and ranges separated by commas (1,3-5)') WHERE NEW.call_group IS NOT OLD.call_group AND (NEW.call_group GLOB '*[^0-9,-]*' OR length(NEW.call_group) > 80);
  SELECT RAISE(ABORT, 'ps_endpoints.pickup_group: must be text') WHERE NEW.pickup_group IS NOT OLD.pickup_group AND (typeof(NEW.pickup_group) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.pickup_group: holds a line break or another control character') WHERE NEW.pickup_group IS NOT OLD.pickup_group AND (instr(CAST(NEW.pickup_group AS BLOB), x'00') > 0 OR NEW.pickup_group GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.pickup_group: must be group numbers and ranges separated by commas (1,3-5)') WHERE NEW.pickup_group IS NOT OLD.pickup_group AND (NEW.pickup_group GLOB '*[^0-9,-]*' OR length(NEW.pickup_group) > 80);
  SELECT RAISE(ABORT, 'ps_endpoints.device_state_busy_at: must be a whole number from 0 to 1000') WHERE NEW.device_state_busy_at IS NOT OLD.device_state_busy_at AND (typeof(NEW.device_state_busy_at) <> 'integer' OR NEW.device_state_busy_at < 0 OR NEW.device_state_busy_at > 1000);
  SELECT RAISE(ABORT, 'ps_endpoints.language: must be text') WHERE NEW.language IS NOT OLD.language AND NEW.language <> '' AND (typeof(NEW.language) <> 'text');
  SELECT RAISE(ABORT, 'ps_endpoints.language: holds a line break or another control character') WHERE NEW.language IS NOT OLD.language AND NEW.language <> '' AND (instr(CAST(NEW.language AS BLOB), x'00') > 0 OR NEW.language GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_endpoints.language: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.language IS NOT OLD.language AND NEW.language <> '' AND (NEW.language = '' OR NEW.language GLOB '*[^0-9A-Za-z_-]*' OR NEW.language GLOB '[_-]*' OR length(NEW.language) > 80);
END;

CREATE TRIGGER sb_rules_ps_auths_insert BEFORE INSERT ON ps_auths
BEGIN
  SELECT RAISE(ABORT, 'ps_auths.id: must be text') WHERE typeof(NEW.id) <> 'text';
  SELECT RAISE(ABORT, 'ps_auths.id: holds a line break or another control character') WHERE instr(CAST(NEW.id AS BLOB), x'00') > 0 OR NEW.id GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_auths.id: must be 1 to 80 letters, digits and _ . + * # -') WHERE NEW.id = '' OR NEW.id GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.id) > 80;
  SELECT RAISE(ABORT, 'ps_auths.auth_type: must be one of userpass, md5') WHERE typeof(NEW.auth_type) <> 'text' OR NEW.auth_type NOT IN ('userpass', 'md5');
  SELECT RAISE(ABORT, 'ps_auths.username: must be text') WHERE typeof(NEW.username) <> 'text';
  SELECT RAISE(ABORT, 'ps_auths.username: holds a line break or another control character') WHERE instr(CAST(NEW.username AS BLOB), x'00') > 0 OR NEW.username GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_auths.username: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.username, '${') > 0 OR instr(NEW.username, '$[') > 0;
  SELECT RAISE(ABORT, 'ps_auths.username: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.username, 1, 1) = ' ' OR substr(NEW.username, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'ps_auths.username: is longer than 128 characters') WHERE length(NEW.username) > 128;
  SELECT RAISE(ABORT, 'ps_auths.password: must be text') WHERE typeof(NEW.password) <> 'text';
  SELECT RAISE(ABORT, 'ps_auths.password: holds a line break or another control character') WHERE instr(CAST(NEW.password AS BLOB), x'00') > 0 OR NEW.password GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_auths.password: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.password, '${') > 0 OR instr(NEW.password, '$[') > 0;
  SELECT RAISE(ABORT, 'ps_auths.password: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.password, 1, 1) = ' ' OR substr(NEW.password, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'ps_auths.password: is longer than 128 characters') WHERE length(NEW.password) > 128;
  SELECT RAISE(ABORT, 'ps_auths.md5_cred: must be text') WHERE typeof(NEW.md5_cred) <> 'text';
  SELECT RAISE(ABORT, 'ps_auths.md5_cred: holds a line break or another control character') WHERE instr(CAST(NEW.md5_cred AS BLOB), x'00') > 0 OR NEW.md5_cred GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_auths.md5_cred: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.md5_cred, '${') > 0 OR instr(NEW.md5_cred, '$[') > 0;
  SELECT RAISE(ABORT, 'ps_auths.md5_cred: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.md5_cred, 1, 1) = ' ' OR substr(NEW.md5_cred, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'ps_auths.md5_cred: is longer than 128 characters') WHERE length(NEW.md5_cred) > 128;
  SELECT RAISE(ABORT, 'ps_auths.realm: must be text') WHERE typeof(NEW.realm) <> 'text';
  SELECT RAISE(ABORT, 'ps_auths.realm: holds a line break or another control character') WHERE instr(CAST(NEW.realm AS BLOB), x'00') > 0 OR NEW.realm GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_auths.realm: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.realm, '${') > 0 OR instr(NEW.realm, '$[') > 0;
  SELECT RAISE(ABORT, 'ps_auths.realm: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.realm, 1, 1) = ' ' OR substr(NEW.realm, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'ps_auths.realm: is longer than 128 characters') WHERE length(NEW.realm) > 128;
END;

CREATE TRIGGER sb_rules_ps_auths_update BEFORE UPDATE ON ps_auths
BEGIN
  SELECT RAISE(ABORT, 'ps_auths.id: must be text') WHERE NEW.id IS NOT OLD.id AND (typeof(NEW.id) <> 'text');
  SELECT RAISE(ABORT, 'ps_auths.id: holds a line break or another control character') WHERE NEW.id IS NOT OLD.id AND (instr(CAST(NEW.id AS BLOB), x'00') > 0 OR NEW.id GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_auths.id: must be 1 to 80 letters, digits and _ . + * # -') WHERE NEW.id IS NOT OLD.id AND (NEW.id = '' OR NEW.id GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.id) > 80);
  SELECT RAISE(ABORT, 'ps_auths.auth_type: must be one of userpass, md5') WHERE NEW.auth_type IS NOT OLD.auth_type AND (typeof(NEW.auth_type) <> 'text' OR NEW.auth_type NOT IN ('userpass', 'md5'));
  SELECT RAISE(ABORT, 'ps_auths.username: must be text') WHERE NEW.username IS NOT OLD.username AND (typeof(NEW.username) <> 'text');
  SELECT RAISE(ABORT, 'ps_auths.username: holds a line break or another control character') WHERE NEW.username IS NOT OLD.username AND (instr(CAST(NEW.username AS BLOB), x'00') > 0 OR NEW.username GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_auths.username: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.username IS NOT OLD.username AND (instr(NEW.username, '${') > 0 OR instr(NEW.username, '$[') > 0);
  SELECT RAISE(ABORT, 'ps_auths.username: starts or ends with a space, which Asterisk would drop') WHERE NEW.username IS NOT OLD.username AND (substr(NEW.username, 1, 1) = ' ' OR substr(NEW.username, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'ps_auths.username: is longer than 128 characters') WHERE NEW.username IS NOT OLD.username AND (length(NEW.username) > 128);
  SELECT RAISE(ABORT, 'ps_auths.password: must be text') WHERE NEW.password IS NOT OLD.password AND (typeof(NEW.password) <> 'text');
  SELECT RAISE(ABORT, 'ps_auths.password: holds a line break or another control character') WHERE NEW.password IS NOT OLD.password AND (instr(CAST(NEW.password AS BLOB), x'00') > 0 OR NEW.password GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_auths.password: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.password IS NOT OLD.password AND (instr(NEW.password, '${') > 0 OR instr(NEW.password, '$[') > 0);
  SELECT RAISE(ABORT, 'ps_auths.password: starts or ends with a space, which Asterisk would drop') WHERE NEW.password IS NOT OLD.password AND (substr(NEW.password, 1, 1) = ' ' OR substr(NEW.password, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'ps_auths.password: is longer than 128 characters') WHERE NEW.password IS NOT OLD.password AND (length(NEW.password) > 128);
  SELECT RAISE(ABORT, 'ps_auths.md5_cred: must be text') WHERE NEW.md5_cred IS NOT OLD.md5_cred AND (typeof(NEW.md5_cred) <> 'text');
  SELECT RAISE(ABORT, 'ps_auths.md5_cred: holds a line break or another control character') WHERE NEW.md5_cred IS NOT OLD.md5_cred AND (instr(CAST(NEW.md5_cred AS BLOB), x'00') > 0 OR NEW.md5_cred GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_auths.md5_cred: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.md5_cred IS NOT OLD.md5_cred AND (instr(NEW.md5_cred, '${') > 0 OR instr(NEW.md5_cred, '$[') > 0);
  SELECT RAISE(ABORT, 'ps_auths.md5_cred: starts or ends with a space, which Asterisk would drop') WHERE NEW.md5_cred IS NOT OLD.md5_cred AND (substr(NEW.md5_cred, 1, 1) = ' ' OR substr(NEW.md5_cred, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'ps_auths.md5_cred: is longer than 128 characters') WHERE NEW.md5_cred IS NOT OLD.md5_cred AND (length(NEW.md5_cred) > 128);
  SELECT RAISE(ABORT, 'ps_auths.realm: must be text') WHERE NEW.realm IS NOT OLD.realm AND (typeof(NEW.realm) <> 'text');
  SELECT RAISE(ABORT, 'ps_auths.realm: holds a line break or another control character') WHERE NEW.realm IS NOT OLD.realm AND (instr(CAST(NEW.realm AS BLOB), x'00') > 0 OR NEW.realm GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_auths.realm: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.realm IS NOT OLD.realm AND (instr(NEW.realm, '${') > 0 OR instr(NEW.realm, '$[') > 0);
  SELECT RAISE(ABORT, 'ps_auths.realm: starts or ends with a space, which Asterisk would drop') WHERE NEW.realm IS NOT OLD.realm AND (substr(NEW.realm, 1, 1) = ' ' OR substr(NEW.realm, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'ps_auths.realm: is longer than 128 characters') WHERE NEW.realm IS NOT OLD.realm AND (length(NEW.realm) > 128);
END;

CREATE TRIGGER sb_rules_ps_aors_insert BEFORE INSERT ON ps_aors
BEGIN
  SELECT RAISE(ABORT, 'ps_aors.id: must be text') WHERE typeof(NEW.id) <> 'text';
  SELECT RAISE(ABORT, 'ps_aors.id: holds a line break or another control character') WHERE instr(CAST(NEW.id AS BLOB), x'00') > 0 OR NEW.id GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_aors.id: must be 1 to 80 letters, digits and _ . + * # -') WHERE NEW.id = '' OR NEW.id GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.id) > 80;
  SELECT RAISE(ABORT, 'ps_aors.max_contacts: must be a whole number from 0 to 1000') WHERE typeof(NEW.max_contacts) <> 'integer' OR NEW.max_contacts < 0 OR NEW.max_contacts > 1000;
  SELECT RAISE(ABORT, 'ps_aors.remove_existing: must be one of yes, no') WHERE NEW.remove_existing <> '' AND (typeof(NEW.remove_existing) <> 'text' OR NEW.remove_existing NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_aors.qualify_frequency: must be a whole number from 0 to 86400') WHERE typeof(NEW.qualify_frequency) <> 'integer' OR NEW.qualify_frequency < 0 OR NEW.qualify_frequency > 86400;
  SELECT RAISE(ABORT, 'ps_aors.default_expiration: must be a whole number from 0 to 31536000') WHERE typeof(NEW.default_expiration) <> 'integer' OR NEW.default_expiration < 0 OR NEW.default_expiration > 31536000;
  SELECT RAISE(ABORT, 'ps_aors.contact: must be text') WHERE typeof(NEW.contact) <> 'text';
  SELECT RAISE(ABORT, 'ps_aors.contact: holds a line break or another control character') WHERE instr(CAST(NEW.contact AS BLOB), x'00') > 0 OR NEW.contact GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_aors.contact: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.contact, '${') > 0 OR instr(NEW.contact, '$[') > 0;
  SELECT RAISE(ABORT, 'ps_aors.contact: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.contact, 1, 1) = ' ' OR substr(NEW.contact, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'ps_aors.contact: is longer than 255 characters') WHERE length(NEW.contact) > 255;
  SELECT RAISE(ABORT, 'ps_aors.mailboxes: must be text') WHERE typeof(NEW.mailboxes) <> 'text';
  SELECT RAISE(ABORT, 'ps_aors.mailboxes: holds a line break or another control character') WHERE instr(CAST(NEW.mailboxes AS BLOB), x'00') > 0 OR NEW.mailboxes GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_aors.mailboxes: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.mailboxes, '${') > 0 OR instr(NEW.mailboxes, '$[') > 0;
  SELECT RAISE(ABORT, 'ps_aors.mailboxes: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.mailboxes, 1, 1) = ' ' OR substr(NEW.mailboxes, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'ps_aors.mailboxes: is longer than 255 characters') WHERE length(NEW.mailboxes) > 255;
END;

CREATE TRIGGER sb_rules_ps_aors_update BEFORE UPDATE ON ps_aors
BEGIN
  SELECT RAISE(ABORT, 'ps_aors.id: must be text') WHERE NEW.id IS NOT OLD.id AND (typeof(NEW.id) <> 'text');
  SELECT RAISE(ABORT, 'ps_aors.id: holds a line break or another control character') WHERE NEW.id IS NOT OLD.id AND (instr(CAST(NEW.id AS BLOB), x'00') > 0 OR NEW.id GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_aors.id: must be 1 to 80 letters, digits and _ . + * # -') WHERE NEW.id IS NOT OLD.id AND (NEW.id = '' OR NEW.id GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.id) > 80);
  SELECT RAISE(ABORT, 'ps_aors.max_contacts: must be a whole number from 0 to 1000') WHERE NEW.max_contacts IS NOT OLD.max_contacts AND (typeof(NEW.max_contacts) <> 'integer' OR NEW.max_contacts < 0 OR NEW.max_contacts > 1000);
  SELECT RAISE(ABORT, 'ps_aors.remove_existing: must be one of yes, no') WHERE NEW.remove_existing IS NOT OLD.remove_existing AND NEW.remove_existing <> '' AND (typeof(NEW.remove_existing) <> 'text' OR NEW.remove_existing NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_aors.qualify_frequency: must be a whole number from 0 to 86400') WHERE NEW.qualify_frequency IS NOT OLD.qualify_frequency AND (typeof(NEW.qualify_frequency) <> 'integer' OR NEW.qualify_frequency < 0 OR NEW.qualify_frequency > 86400);
  SELECT RAISE(ABORT, 'ps_aors.default_expiration: must be a whole number from 0 to 31536000') WHERE NEW.default_expiration IS NOT OLD.default_expiration AND (typeof(NEW.default_expiration) <> 'integer' OR NEW.default_expiration < 0 OR NEW.default_expiration > 31536000);
  SELECT RAISE(ABORT, 'ps_aors.contact: must be text') WHERE NEW.contact IS NOT OLD.contact AND (typeof(NEW.contact) <> 'text');
  SELECT RAISE(ABORT, 'ps_aors.contact: holds a line break or another control character') WHERE NEW.contact IS NOT OLD.contact AND (instr(CAST(NEW.contact AS BLOB), x'00') > 0 OR NEW.contact GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_aors.contact: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.contact IS NOT OLD.contact AND (instr(NEW.contact, '${') > 0 OR instr(NEW.contact, '$[') > 0);
  SELECT RAISE(ABORT, 'ps_aors.contact: starts or ends with a space, which Asterisk would drop') WHERE NEW.contact IS NOT OLD.contact AND (substr(NEW.contact, 1, 1) = ' ' OR substr(NEW.contact, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'ps_aors.contact: is longer than 255 characters') WHERE NEW.contact IS NOT OLD.contact AND (length(NEW.contact) > 255);
  SELECT RAISE(ABORT, 'ps_aors.mailboxes: must be text') WHERE NEW.mailboxes IS NOT OLD.mailboxes AND (typeof(NEW.mailboxes) <> 'text');
  SELECT RAISE(ABORT, 'ps_aors.mailboxes: holds a line break or another control character') WHERE NEW.mailboxes IS NOT OLD.mailboxes AND (instr(CAST(NEW.mailboxes AS BLOB), x'00') > 0 OR NEW.mailboxes GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_aors.mailboxes: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.mailboxes IS NOT OLD.mailboxes AND (instr(NEW.mailboxes, '${') > 0 OR instr(NEW.mailboxes, '$[') > 0);
  SELECT RAISE(ABORT, 'ps_aors.mailboxes: starts or ends with a space, which Asterisk would drop') WHERE NEW.mailboxes IS NOT OLD.mailboxes AND (substr(NEW.mailboxes, 1, 1) = ' ' OR substr(NEW.mailboxes, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'ps_aors.mailboxes: is longer than 255 characters') WHERE NEW.mailboxes IS NOT OLD.mailboxes AND (length(NEW.mailboxes) > 255);
END;

CREATE TRIGGER sb_rules_ps_registrations_insert BEFORE INSERT ON ps_registrations
BEGIN
  SELECT RAISE(ABORT, 'ps_registrations.id: must be text') WHERE typeof(NEW.id) <> 'text';
  SELECT RAISE(ABORT, 'ps_registrations.id: holds a line break or another control character') WHERE instr(CAST(NEW.id AS BLOB), x'00') > 0 OR NEW.id GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_registrations.id: must be 1 to 80 letters, digits and _ . + * # -') WHERE NEW.id = '' OR NEW.id GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.id) > 80;
  SELECT RAISE(ABORT, 'ps_registrations.server_uri: must be text') WHERE typeof(NEW.server_uri) <> 'text';
  SELECT RAISE(ABORT, 'ps_registrations.server_uri: holds a line break or another control character') WHERE instr(CAST(NEW.server_uri AS BLOB), x'00') > 0 OR NEW.server_uri GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_registrations.server_uri: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.server_uri, '${') > 0 OR instr(NEW.server_uri, '$[') > 0;
  SELECT RAISE(ABORT, 'ps_registrations.server_uri: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.server_uri, 1, 1) = ' ' OR substr(NEW.server_uri, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'ps_registrations.server_uri: is longer than 255 characters') WHERE length(NEW.server_uri) > 255;
  SELECT RAISE(ABORT, 'ps_registrations.client_uri: must be text') WHERE typeof(NEW.client_uri) <> 'text';
  SELECT RAISE(ABORT, 'ps_registrations.client_uri: holds a line break or another control character') WHERE instr(CAST(NEW.client_uri AS BLOB), x'00') > 0 OR NEW.client_uri GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_registrations.client_uri: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.client_uri, '${') > 0 OR instr(NEW.client_uri, '$[') > 0;
  SELECT RAISE(ABORT, 'ps_registrations.client_uri: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.client_uri, 1, 1) = ' ' OR substr(NEW.client_uri, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'ps_registrations.client_uri: is longer than 255 characters') WHERE length(NEW.client_uri) > 255;
  SELECT RAISE(ABORT, 'ps_registrations.contact_user: must be text') WHERE typeof(NEW.contact_user) <> 'text';
  SELECT RAISE(ABORT, 'ps_registrations.contact_user: holds a line break or another control character') WHERE instr(CAST(NEW.contact_user AS BLOB), x'00') > 0 OR NEW.contact_user GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_registrations.contact_user: must be at most 80 letters, digits and _ . + * # -') WHERE NEW.contact_user GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.contact_user) > 80;
  SELECT RAISE(ABORT, 'ps_registrations.outbound_auth: must be text') WHERE typeof(NEW.outbound_auth) <> 'text';
  SELECT RAISE(ABORT, 'ps_registrations.outbound_auth: holds a line break or another control character') WHERE instr(CAST(NEW.outbound_auth AS BLOB), x'00') > 0 OR NEW.outbound_auth GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ps_registrations.outbound_auth: must be names (letters, digits and _ . + * # -) separated by commas') WHERE NEW.outbound_auth GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.outbound_auth GLOB ',*' OR NEW.outbound_auth GLOB '*,' OR instr(NEW.outbound_auth, ',,') > 0 OR length(NEW.outbound_auth) > 255;
  SELECT RAISE(ABORT, 'ps_registrations.transport: must be text') WHERE NEW.transport <> '' AND (typeof(NEW.transport) <> 'text');
  SELECT RAISE(ABORT, 'ps_registrations.transport: holds a line break or another control character') WHERE NEW.transport <> '' AND (instr(CAST(NEW.transport AS BLOB), x'00') > 0 OR NEW.transport GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_registrations.transport: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.transport <> '' AND (NEW.transport = '' OR NEW.transport GLOB '*[^0-9A-Za-z_-]*' OR NEW.transport GLOB '[_-]*' OR length(NEW.transport) > 80);
  SELECT RAISE(ABORT, 'ps_registrations.retry_interval: must be a whole number from 0 to 86400') WHERE typeof(NEW.retry_interval) <> 'integer' OR NEW.retry_interval < 0 OR NEW.retry_interval > 86400;
  SELECT RAISE(ABORT, 'ps_registrations.expiration: must be a whole number from 0 to 31536000') WHERE typeof(NEW.expiration) <> 'integer' OR NEW.expiration < 0 OR NEW.expiration > 31536000;
  SELECT RAISE(ABORT, 'ps_registrations.line: must be one of yes, no') WHERE NEW.line <> '' AND (typeof(NEW.line) <> 'text' OR NEW.line NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_registrations.endpoint: must be text') WHERE NEW.endpoint <> '' AND (typeof(NEW.endpoint) <> 'text');
  SELECT RAISE(ABORT, 'ps_registrations.endpoint: holds a line break or another control character') WHERE NEW.endpoint <> '' AND (instr(CAST(NEW.endpoint AS BLOB), x'00') > 0 OR NEW.endpoint GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_registrations.endpoint: must be 1 to 80 letters, digits and _ . + * # -') WHERE NEW.endpoint <> '' AND (NEW.endpoint = '' OR NEW.endpoint GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.endpoint) > 80);
END;

CREATE TRIGGER sb_rules_ps_registrations_update BEFORE UPDATE ON ps_registrations
BEGIN
  SELECT RAISE(ABORT, 'ps_registrations.id: must be text') WHERE NEW.id IS NOT OLD.id AND (typeof(NEW.id) <> 'text');
  SELECT RAISE(ABORT, 'ps_registrations.id: holds a line break or another control character') WHERE NEW.id IS NOT OLD.id AND (instr(CAST(NEW.id AS BLOB), x'00') > 0 OR NEW.id GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_registrations.id: must be 1 to 80 letters, digits and _ . + * # -') WHERE NEW.id IS NOT OLD.id AND (NEW.id = '' OR NEW.id GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.id) > 80);
  SELECT RAISE(ABORT, 'ps_registrations.server_uri: must be text') WHERE NEW.server_uri IS NOT OLD.server_uri AND (typeof(NEW.server_uri) <> 'text');
  SELECT RAISE(ABORT, 'ps_registrations.server_uri: holds a line break or another control character') WHERE NEW.server_uri IS NOT OLD.server_uri AND (instr(CAST(NEW.server_uri AS BLOB), x'00') > 0 OR NEW.server_uri GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_registrations.server_uri: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.server_uri IS NOT OLD.server_uri AND (instr(NEW.server_uri, '${') > 0 OR instr(NEW.server_uri, '$[') > 0);
  SELECT RAISE(ABORT, 'ps_registrations.server_uri: starts or ends with a space, which Asterisk would drop') WHERE NEW.server_uri IS NOT OLD.server_uri AND (substr(NEW.server_uri, 1, 1) = ' ' OR substr(NEW.server_uri, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'ps_registrations.server_uri: is longer than 255 characters') WHERE NEW.server_uri IS NOT OLD.server_uri AND (length(NEW.server_uri) > 255);
  SELECT RAISE(ABORT, 'ps_registrations.client_uri: must be text') WHERE NEW.client_uri IS NOT OLD.client_uri AND (typeof(NEW.client_uri) <> 'text');
  SELECT RAISE(ABORT, 'ps_registrations.client_uri: holds a line break or another control character') WHERE NEW.client_uri IS NOT OLD.client_uri AND (instr(CAST(NEW.client_uri AS BLOB), x'00') > 0 OR NEW.client_uri GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_registrations.client_uri: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.client_uri IS NOT OLD.client_uri AND (instr(NEW.client_uri, '${') > 0 OR instr(NEW.client_uri, '$[') > 0);
  SELECT RAISE(ABORT, 'ps_registrations.client_uri: starts or ends with a space, which Asterisk would drop') WHERE NEW.client_uri IS NOT OLD.client_uri AND (substr(NEW.client_uri, 1, 1) = ' ' OR substr(NEW.client_uri, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'ps_registrations.client_uri: is longer than 255 characters') WHERE NEW.client_uri IS NOT OLD.client_uri AND (length(NEW.client_uri) > 255);
  SELECT RAISE(ABORT, 'ps_registrations.contact_user: must be text') WHERE NEW.contact_user IS NOT OLD.contact_user AND (typeof(NEW.contact_user) <> 'text');
  SELECT RAISE(ABORT, 'ps_registrations.contact_user: holds a line break or another control character') WHERE NEW.contact_user IS NOT OLD.contact_user AND (instr(CAST(NEW.contact_user AS BLOB), x'00') > 0 OR NEW.contact_user GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_registrations.contact_user: must be at most 80 letters, digits and _ . + * # -') WHERE NEW.contact_user IS NOT OLD.contact_user AND (NEW.contact_user GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.contact_user) > 80);
  SELECT RAISE(ABORT, 'ps_registrations.outbound_auth: must be text') WHERE NEW.outbound_auth IS NOT OLD.outbound_auth AND (typeof(NEW.outbound_auth) <> 'text');
  SELECT RAISE(ABORT, 'ps_registrations.outbound_auth: holds a line break or another control character') WHERE NEW.outbound_auth IS NOT OLD.outbound_auth AND (instr(CAST(NEW.outbound_auth AS BLOB), x'00') > 0 OR NEW.outbound_auth GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_registrations.outbound_auth: must be names (letters, digits and _ . + * # -) separated by commas') WHERE NEW.outbound_auth IS NOT OLD.outbound_auth AND (NEW.outbound_auth GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.outbound_auth GLOB ',*' OR NEW.outbound_auth GLOB '*,' OR instr(NEW.outbound_auth, ',,') > 0 OR length(NEW.outbound_auth) > 255);
  SELECT RAISE(ABORT, 'ps_registrations.transport: must be text') WHERE NEW.transport IS NOT OLD.transport AND NEW.transport <> '' AND (typeof(NEW.transport) <> 'text');
  SELECT RAISE(ABORT, 'ps_registrations.transport: holds a line break or another control character') WHERE NEW.transport IS NOT OLD.transport AND NEW.transport <> '' AND (instr(CAST(NEW.transport AS BLOB), x'00') > 0 OR NEW.transport GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_registrations.transport: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.transport IS NOT OLD.transport AND NEW.transport <> '' AND (NEW.transport = '' OR NEW.transport GLOB '*[^0-9A-Za-z_-]*' OR NEW.transport GLOB '[_-]*' OR length(NEW.transport) > 80);
  SELECT RAISE(ABORT, 'ps_registrations.retry_interval: must be a whole number from 0 to 86400') WHERE NEW.retry_interval IS NOT OLD.retry_interval AND (typeof(NEW.retry_interval) <> 'integer' OR NEW.retry_interval < 0 OR NEW.retry_interval > 86400);
  SELECT RAISE(ABORT, 'ps_registrations.expiration: must be a whole number from 0 to 31536000') WHERE NEW.expiration IS NOT OLD.expiration AND (typeof(NEW.expiration) <> 'integer' OR NEW.expiration < 0 OR NEW.expiration > 31536000);
  SELECT RAISE(ABORT, 'ps_registrations.line: must be one of yes, no') WHERE NEW.line IS NOT OLD.line AND NEW.line <> '' AND (typeof(NEW.line) <> 'text' OR NEW.line NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'ps_registrations.endpoint: must be text') WHERE NEW.endpoint IS NOT OLD.endpoint AND NEW.endpoint <> '' AND (typeof(NEW.endpoint) <> 'text');
  SELECT RAISE(ABORT, 'ps_registrations.endpoint: holds a line break or another control character') WHERE NEW.endpoint IS NOT OLD.endpoint AND NEW.endpoint <> '' AND (instr(CAST(NEW.endpoint AS BLOB), x'00') > 0 OR NEW.endpoint GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ps_registrations.endpoint: must be 1 to 80 letters, digits and _ . + * # -') WHERE NEW.endpoint IS NOT OLD.endpoint AND NEW.endpoint <> '' AND (NEW.endpoint = '' OR NEW.endpoint GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.endpoint) > 80);
END;

CREATE TRIGGER sb_rules_ring_groups_insert BEFORE INSERT ON ring_groups
BEGIN
  SELECT RAISE(ABORT, 'ring_groups.number: must be text') WHERE typeof(NEW.number) <> 'text';
  SELECT RAISE(ABORT, 'ring_groups.number: holds a line break or another control character') WHERE instr(CAST(NEW.number AS BLOB), x'00') > 0 OR NEW.number GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ring_groups.number: must be 1 to 20 digits') WHERE NEW.number = '' OR NEW.number GLOB '*[^0-9]*' OR length(NEW.number) > 20;
  SELECT RAISE(ABORT, 'ring_groups.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'ring_groups.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ring_groups.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0;
  SELECT RAISE(ABORT, 'ring_groups.name: is longer than 100 characters') WHERE length(NEW.name) > 100;
  SELECT RAISE(ABORT, 'ring_groups.strategy: must be one of ringall, ringall-prim, hunt, hunt-prim, memoryhunt, memoryhunt-prim, firstavailable, firstnotonphone') WHERE typeof(NEW.strategy) <> 'text' OR NEW.strategy NOT IN ('ringall', 'ringall-prim', 'hunt', 'hunt-prim', 'memoryhunt', 'memoryhunt-prim', 'firstavailable', 'firstnotonphone');
  SELECT RAISE(ABORT, 'ring_groups.ring_time: must be a whole number from 1 to 300') WHERE typeof(NEW.ring_time) <> 'integer' OR NEW.ring_time < 1 OR NEW.ring_time > 300;
  SELECT RAISE(ABORT, 'ring_groups.announcement_id: must be a whole number from 0 to 2147483647') WHERE typeof(NEW.announcement_id) <> 'integer' OR NEW.announcement_id < 0 OR NEW.announcement_id > 2147483647;
  SELECT RAISE(ABORT, 'ring_groups.remote_announce_id: must be a whole number from 0 to 2147483647') WHERE typeof(NEW.remote_announce_id) <> 'integer' OR NEW.remote_announce_id < 0 OR NEW.remote_announce_id > 2147483647;
  SELECT RAISE(ABORT, 'ring_groups.too_late_announce_id: must be a whole number from 0 to 2147483647') WHERE typeof(NEW.too_late_announce_id) <> 'integer' OR NEW.too_late_announce_id < 0 OR NEW.too_late_announce_id > 2147483647;
  SELECT RAISE(ABORT, 'ring_groups.alert_info: must be text') WHERE typeof(NEW.alert_info) <> 'text';
  SELECT RAISE(ABORT, 'ring_groups.alert_info: holds a line break or another control character') WHERE instr(CAST(NEW.alert_info AS BLOB), x'00') > 0 OR NEW.alert_info GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ring_groups.alert_info: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.alert_info, '${') > 0 OR instr(NEW.alert_info, '$[') > 0;
  SELECT RAISE(ABORT, 'ring_groups.alert_info: is longer than 255 characters') WHERE length(NEW.alert_info) > 255;
  SELECT RAISE(ABORT, 'ring_groups.cid_name_prefix: must be text') WHERE typeof(NEW.cid_name_prefix) <> 'text';
  SELECT RAISE(ABORT, 'ring_groups.cid_name_prefix: holds a line break or another control character') WHERE instr(CAST(NEW.cid_name_prefix AS BLOB), x'00') > 0 OR NEW.cid_name_prefix GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ring_groups.cid_name_prefix: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } " `)') WHERE NEW.cid_name_prefix GLOB '*[];,()$\&|[{}"`]*';
  SELECT RAISE(ABORT, 'ring_groups.cid_name_prefix: is longer than 80 characters') WHERE length(NEW.cid_name_prefix) > 80;
  SELECT RAISE(ABORT, 'ring_groups.change_callerid: must be one of default, fixed, extern, did, forcedid') WHERE typeof(NEW.change_callerid) <> 'text' OR NEW.change_callerid NOT IN ('default', 'fixed', 'extern', 'did', 'forcedid');
  SELECT RAISE(ABORT, 'ring_groups.fixed_callerid: must be text') WHERE typeof(NEW.fixed_callerid) <> 'text';
  SELECT RAISE(ABORT, 'ring_groups.fixed_callerid: holds a line break or another control character') WHERE instr(CAST(NEW.fixed_callerid AS BLOB), x'00') > 0 OR NEW.fixed_callerid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ring_groups.fixed_callerid: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } `)') WHERE NEW.fixed_callerid GLOB '*[];,()$\&|[{}`]*';
  SELECT RAISE(ABORT, 'ring_groups.fixed_callerid: is longer than 80 characters') WHERE length(NEW.fixed_callerid) > 80;
  SELECT RAISE(ABORT, 'ring_groups.confirm_calls: must be a whole number from 0 to 1') WHERE typeof(NEW.confirm_calls) <> 'integer' OR NEW.confirm_calls < 0 OR NEW.confirm_calls > 1;
  SELECT RAISE(ABORT, 'ring_groups.enable_call_pickup: must be a whole number from 0 to 1') WHERE typeof(NEW.enable_call_pickup) <> 'integer' OR NEW.enable_call_pickup < 0 OR NEW.enable_call_pickup > 1;
  SELECT RAISE(ABORT, 'ring_groups.ignore_call_forward: must be a whole number from 0 to 1') WHERE typeof(NEW.ignore_call_forward) <> 'integer' OR NEW.ignore_call_forward < 0 OR NEW.ignore_call_forward > 1;
  SELECT RAISE(ABORT, 'ring_groups.skip_busy_agent: must be a whole number from 0 to 1') WHERE typeof(NEW.skip_busy_agent) <> 'integer' OR NEW.skip_busy_agent < 0 OR NEW.skip_busy_agent > 1;
  SELECT RAISE(ABORT, 'ring_groups.music_on_hold_ringing: must be text') WHERE typeof(NEW.music_on_hold_ringing) <> 'text';
  SELECT RAISE(ABORT, 'ring_groups.music_on_hold_ringing: holds a line break or another control character') WHERE instr(CAST(NEW.music_on_hold_ringing AS BLOB), x'00') > 0 OR NEW.music_on_hold_ringing GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ring_groups.music_on_hold_ringing: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.music_on_hold_ringing = '' OR NEW.music_on_hold_ringing GLOB '*[^0-9A-Za-z_-]*' OR NEW.music_on_hold_ringing GLOB '[_-]*' OR length(NEW.music_on_hold_ringing) > 80;
  SELECT RAISE(ABORT, 'ring_groups.recording: must be one of always, dontcare, never') WHERE typeof(NEW.recording) <> 'text' OR NEW.recording NOT IN ('always', 'dontcare', 'never');
  SELECT RAISE(ABORT, 'ring_groups.destination_if_no_answer: must be text') WHERE typeof(NEW.destination_if_no_answer) <> 'text';
  SELECT RAISE(ABORT, 'ring_groups.destination_if_no_answer: holds a line break or another control character') WHERE instr(CAST(NEW.destination_if_no_answer AS BLOB), x'00') > 0 OR NEW.destination_if_no_answer GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ring_groups.destination_if_no_answer: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination_if_no_answer GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination_if_no_answer GLOB ',*' OR NEW.destination_if_no_answer GLOB '*,' OR instr(NEW.destination_if_no_answer, ',,') > 0 OR length(NEW.destination_if_no_answer) - length(replace(NEW.destination_if_no_answer, ',', '')) > 2 OR length(NEW.destination_if_no_answer) > 255;
END;

CREATE TRIGGER sb_rules_ring_groups_update BEFORE UPDATE ON ring_groups
BEGIN
  SELECT RAISE(ABORT, 'ring_groups.number: must be text') WHERE NEW.number IS NOT OLD.number AND (typeof(NEW.number) <> 'text');
  SELECT RAISE(ABORT, 'ring_groups.number: holds a line break or another control character') WHERE NEW.number IS NOT OLD.number AND (instr(CAST(NEW.number AS BLOB), x'00') > 0 OR NEW.number GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ring_groups.number: must be 1 to 20 digits') WHERE NEW.number IS NOT OLD.number AND (NEW.number = '' OR NEW.number GLOB '*[^0-9]*' OR length(NEW.number) > 20);
  SELECT RAISE(ABORT, 'ring_groups.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'ring_groups.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ring_groups.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.name IS NOT OLD.name AND (instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0);
  SELECT RAISE(ABORT, 'ring_groups.name: is longer than 100 characters') WHERE NEW.name IS NOT OLD.name AND (length(NEW.name) > 100);
  SELECT RAISE(ABORT, 'ring_groups.strategy: must be one of ringall, ringall-prim, hunt, hunt-prim, memoryhunt, memoryhunt-prim, firstavailable, firstnotonphone') WHERE NEW.strategy IS NOT OLD.strategy AND (typeof(NEW.strategy) <> 'text' OR NEW.strategy NOT IN ('ringall', 'ringall-prim', 'hunt', 'hunt-prim', 'memoryhunt', 'memoryhunt-prim', 'firstavailable', 'firstnotonphone'));
  SELECT RAISE(ABORT, 'ring_groups.ring_time: must be a whole number from 1 to 300') WHERE NEW.ring_time IS NOT OLD.ring_time AND (typeof(NEW.ring_time) <> 'integer' OR NEW.ring_time < 1 OR NEW.ring_time > 300);
  SELECT RAISE(ABORT, 'ring_groups.announcement_id: must be a whole number from 0 to 2147483647') WHERE NEW.announcement_id IS NOT OLD.announcement_id AND (typeof(NEW.announcement_id) <> 'integer' OR NEW.announcement_id < 0 OR NEW.announcement_id > 2147483647);
  SELECT RAISE(ABORT, 'ring_groups.remote_announce_id: must be a whole number from 0 to 2147483647') WHERE NEW.remote_announce_id IS NOT OLD.remote_announce_id AND (typeof(NEW.remote_announce_id) <> 'integer' OR NEW.remote_announce_id < 0 OR NEW.remote_announce_id > 2147483647);
  SELECT RAISE(ABORT, 'ring_groups.too_late_announce_id: must be a whole number from 0 to 2147483647') WHERE NEW.too_late_announce_id IS NOT OLD.too_late_announce_id AND (typeof(NEW.too_late_announce_id) <> 'integer' OR NEW.too_late_announce_id < 0 OR NEW.too_late_announce_id > 2147483647);
  SELECT RAISE(ABORT, 'ring_groups.alert_info: must be text') WHERE NEW.alert_info IS NOT OLD.alert_info AND (typeof(NEW.alert_info) <> 'text');
  SELECT RAISE(ABORT, 'ring_groups.alert_info: holds a line break or another control character') WHERE NEW.alert_info IS NOT OLD.alert_info AND (instr(CAST(NEW.alert_info AS BLOB), x'00') > 0 OR NEW.alert_info GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ring_groups.alert_info: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.alert_info IS NOT OLD.alert_info AND (instr(NEW.alert_info, '${') > 0 OR instr(NEW.alert_info, '$[') > 0);
  SELECT RAISE(ABORT, 'ring_groups.alert_info: is longer than 255 characters') WHERE NEW.alert_info IS NOT OLD.alert_info AND (length(NEW.alert_info) > 255);
  SELECT RAISE(ABORT, 'ring_groups.cid_name_prefix: must be text') WHERE NEW.cid_name_prefix IS NOT OLD.cid_name_prefix AND (typeof(NEW.cid_name_prefix) <> 'text');
  SELECT RAISE(ABORT, 'ring_groups.cid_name_prefix: holds a line break or another control character') WHERE NEW.cid_name_prefix IS NOT OLD.cid_name_prefix AND (instr(CAST(NEW.cid_name_prefix AS BLOB), x'00') > 0 OR NEW.cid_name_prefix GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ring_groups.cid_name_prefix: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } " `)') WHERE NEW.cid_name_prefix IS NOT OLD.cid_name_prefix AND (NEW.cid_name_prefix GLOB '*[];,()$\&|[{}"`]*');
  SELECT RAISE(ABORT, 'ring_groups.cid_name_prefix: is longer than 80 characters') WHERE NEW.cid_name_prefix IS NOT OLD.cid_name_prefix AND (length(NEW.cid_name_prefix) > 80);
  SELECT RAISE(ABORT, 'ring_groups.change_callerid: must be one of default, fixed, extern, did, forcedid') WHERE NEW.change_callerid IS NOT OLD.change_callerid AND (typeof(NEW.change_callerid) <> 'text' OR NEW.change_callerid NOT IN ('default', 'fixed', 'extern', 'did', 'forcedid'));
  SELECT RAISE(ABORT, 'ring_groups.fixed_callerid: must be text') WHERE NEW.fixed_callerid IS NOT OLD.fixed_callerid AND (typeof(NEW.fixed_callerid) <> 'text');
  SELECT RAISE(ABORT, 'ring_groups.fixed_callerid: holds a line break or another control character') WHERE NEW.fixed_callerid IS NOT OLD.fixed_callerid AND (instr(CAST(NEW.fixed_callerid AS BLOB), x'00') > 0 OR NEW.fixed_callerid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ring_groups.fixed_callerid: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } `)') WHERE NEW.fixed_callerid IS NOT OLD.fixed_callerid AND (NEW.fixed_callerid GLOB '*[];,()$\&|[{}`]*');
  SELECT RAISE(ABORT, 'ring_groups.fixed_callerid: is longer than 80 characters') WHERE NEW.fixed_callerid IS NOT OLD.fixed_callerid AND (length(NEW.fixed_callerid) > 80);
  SELECT RAISE(ABORT, 'ring_groups.confirm_calls: must be a whole number from 0 to 1') WHERE NEW.confirm_calls IS NOT OLD.confirm_calls AND (typeof(NEW.confirm_calls) <> 'integer' OR NEW.confirm_calls < 0 OR NEW.confirm_calls > 1);
  SELECT RAISE(ABORT, 'ring_groups.enable_call_pickup: must be a whole number from 0 to 1') WHERE NEW.enable_call_pickup IS NOT OLD.enable_call_pickup AND (typeof(NEW.enable_call_pickup) <> 'integer' OR NEW.enable_call_pickup < 0 OR NEW.enable_call_pickup > 1);
  SELECT RAISE(ABORT, 'ring_groups.ignore_call_forward: must be a whole number from 0 to 1') WHERE NEW.ignore_call_forward IS NOT OLD.ignore_call_forward AND (typeof(NEW.ignore_call_forward) <> 'integer' OR NEW.ignore_call_forward < 0 OR NEW.ignore_call_forward > 1);
  SELECT RAISE(ABORT, 'ring_groups.skip_busy_agent: must be a whole number from 0 to 1') WHERE NEW.skip_busy_agent IS NOT OLD.skip_busy_agent AND (typeof(NEW.skip_busy_agent) <> 'integer' OR NEW.skip_busy_agent < 0 OR NEW.skip_busy_agent > 1);
  SELECT RAISE(ABORT, 'ring_groups.music_on_hold_ringing: must be text') WHERE NEW.music_on_hold_ringing IS NOT OLD.music_on_hold_ringing AND (typeof(NEW.music_on_hold_ringing) <> 'text');
  SELECT RAISE(ABORT, 'ring_groups.music_on_hold_ringing: holds a line break or another control character') WHERE NEW.music_on_hold_ringing IS NOT OLD.music_on_hold_ringing AND (instr(CAST(NEW.music_on_hold_ringing AS BLOB), x'00') > 0 OR NEW.music_on_hold_ringing GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ring_groups.music_on_hold_ringing: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.music_on_hold_ringing IS NOT OLD.music_on_hold_ringing AND (NEW.music_on_hold_ringing = '' OR NEW.music_on_hold_ringing GLOB '*[^0-9A-Za-z_-]*' OR NEW.music_on_hold_ringing GLOB '[_-]*' OR length(NEW.music_on_hold_ringing) > 80);
  SELECT RAISE(ABORT, 'ring_groups.recording: must be one of always, dontcare, never') WHERE NEW.recording IS NOT OLD.recording AND (typeof(NEW.recording) <> 'text' OR NEW.recording NOT IN ('always', 'dontcare', 'never'));
  SELECT RAISE(ABORT, 'ring_groups.destination_if_no_answer: must be text') WHERE NEW.destination_if_no_answer IS NOT OLD.destination_if_no_answer AND (typeof(NEW.destination_if_no_answer) <> 'text');
  SELECT RAISE(ABORT, 'ring_groups.destination_if_no_answer: holds a line break or another control character') WHERE NEW.destination_if_no_answer IS NOT OLD.destination_if_no_answer AND (instr(CAST(NEW.destination_if_no_answer AS BLOB), x'00') > 0 OR NEW.destination_if_no_answer GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ring_groups.destination_if_no_answer: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination_if_no_answer IS NOT OLD.destination_if_no_answer AND (NEW.destination_if_no_answer GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination_if_no_answer GLOB ',*' OR NEW.destination_if_no_answer GLOB '*,' OR instr(NEW.destination_if_no_answer, ',,') > 0 OR length(NEW.destination_if_no_answer) - length(replace(NEW.destination_if_no_answer, ',', '')) > 2 OR length(NEW.destination_if_no_answer) > 255);
END;

CREATE TRIGGER sb_rules_ring_group_members_insert BEFORE INSERT ON ring_group_members
BEGIN
  SELECT RAISE(ABORT, 'ring_group_members.group_number: must be text') WHERE typeof(NEW.group_number) <> 'text';
  SELECT RAISE(ABORT, 'ring_group_members.group_number: holds a line break or another control character') WHERE instr(CAST(NEW.group_number AS BLOB), x'00') > 0 OR NEW.group_number GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ring_group_members.group_number: must be 1 to 20 digits') WHERE NEW.group_number = '' OR NEW.group_number GLOB '*[^0-9]*' OR length(NEW.group_number) > 20;
  SELECT RAISE(ABORT, 'ring_group_members.destination: must be text') WHERE typeof(NEW.destination) <> 'text';
  SELECT RAISE(ABORT, 'ring_group_members.destination: holds a line break or another control character') WHERE instr(CAST(NEW.destination AS BLOB), x'00') > 0 OR NEW.destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ring_group_members.destination: must be 1 to 20 digits, with an optional leading + and an optional trailing # (an external number)') WHERE NEW.destination GLOB '*[^0-9+#]*' OR instr(substr(NEW.destination, 2), '+') > 0 OR instr(substr(NEW.destination, 1, length(NEW.destination) - 1), '#') > 0 OR length(replace(replace(NEW.destination, '+', ''), '#', '')) NOT BETWEEN 1 AND 20;
END;

CREATE TRIGGER sb_rules_ring_group_members_update BEFORE UPDATE ON ring_group_members
BEGIN
  SELECT RAISE(ABORT, 'ring_group_members.group_number: must be text') WHERE NEW.group_number IS NOT OLD.group_number AND (typeof(NEW.group_number) <> 'text');
  SELECT RAISE(ABORT, 'ring_group_members.group_number: holds a line break or another control character') WHERE NEW.group_number IS NOT OLD.group_number AND (instr(CAST(NEW.group_number AS BLOB), x'00') > 0 OR NEW.group_number GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ring_group_members.group_number: must be 1 to 20 digits') WHERE NEW.group_number IS NOT OLD.group_number AND (NEW.group_number = '' OR NEW.group_number GLOB '*[^0-9]*' OR length(NEW.group_number) > 20);
  SELECT RAISE(ABORT, 'ring_group_members.destination: must be text') WHERE NEW.destination IS NOT OLD.destination AND (typeof(NEW.destination) <> 'text');
  SELECT RAISE(ABORT, 'ring_group_members.destination: holds a line break or another control character') WHERE NEW.destination IS NOT OLD.destination AND (instr(CAST(NEW.destination AS BLOB), x'00') > 0 OR NEW.destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ring_group_members.destination: must be 1 to 20 digits, with an optional leading + and an optional trailing # (an external number)') WHERE NEW.destination IS NOT OLD.destination AND (NEW.destination GLOB '*[^0-9+#]*' OR instr(substr(NEW.destination, 2), '+') > 0 OR instr(substr(NEW.destination, 1, length(NEW.destination) - 1), '#') > 0 OR length(replace(replace(NEW.destination, '+', ''), '#', '')) NOT BETWEEN 1 AND 20);
END;

CREATE TRIGGER sb_rules_follow_me_insert BEFORE INSERT ON follow_me
BEGIN
  SELECT RAISE(ABORT, 'follow_me.extension: must be text') WHERE typeof(NEW.extension) <> 'text';
  SELECT RAISE(ABORT, 'follow_me.extension: holds a line break or another control character') WHERE instr(CAST(NEW.extension AS BLOB), x'00') > 0 OR NEW.extension GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'follow_me.extension: must be 1 to 20 digits') WHERE NEW.extension = '' OR NEW.extension GLOB '*[^0-9]*' OR length(NEW.extension) > 20;
  SELECT RAISE(ABORT, 'follow_me.strategy: must be one of ringallv2, ringallv2-prim, ringall, ringall-prim, hunt, hunt-prim, memoryhunt, memoryhunt-prim, firstavailable, firstnotonphone') WHERE typeof(NEW.strategy) <> 'text' OR NEW.strategy NOT IN ('ringallv2', 'ringallv2-prim', 'ringall', 'ringall-prim', 'hunt', 'hunt-prim', 'memoryhunt', 'memoryhunt-prim', 'firstavailable', 'firstnotonphone');
  SELECT RAISE(ABORT, 'follow_me.ring_time: must be a whole number from 1 to 60') WHERE typeof(NEW.ring_time) <> 'integer' OR NEW.ring_time < 1 OR NEW.ring_time > 60;
  SELECT RAISE(ABORT, 'follow_me.prefix: must be text') WHERE typeof(NEW.prefix) <> 'text';
  SELECT RAISE(ABORT, 'follow_me.prefix: holds a line break or another control character') WHERE instr(CAST(NEW.prefix AS BLOB), x'00') > 0 OR NEW.prefix GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'follow_me.prefix: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } " `)') WHERE NEW.prefix GLOB '*[];,()$\&|[{}"`]*';
  SELECT RAISE(ABORT, 'follow_me.prefix: is longer than 80 characters') WHERE length(NEW.prefix) > 80;
  SELECT RAISE(ABORT, 'follow_me.announcement_id: must be a whole number from 0 to 2147483647') WHERE typeof(NEW.announcement_id) <> 'integer' OR NEW.announcement_id < 0 OR NEW.announcement_id > 2147483647;
  SELECT RAISE(ABORT, 'follow_me.remote_alert_id: must be a whole number from 0 to 2147483647') WHERE typeof(NEW.remote_alert_id) <> 'integer' OR NEW.remote_alert_id < 0 OR NEW.remote_alert_id > 2147483647;
  SELECT RAISE(ABORT, 'follow_me.too_late_id: must be a whole number from 0 to 2147483647') WHERE typeof(NEW.too_late_id) <> 'integer' OR NEW.too_late_id < 0 OR NEW.too_late_id > 2147483647;
  SELECT RAISE(ABORT, 'follow_me.post_destination: must be text') WHERE typeof(NEW.post_destination) <> 'text';
  SELECT RAISE(ABORT, 'follow_me.post_destination: holds a line break or another control character') WHERE instr(CAST(NEW.post_destination AS BLOB), x'00') > 0 OR NEW.post_destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'follow_me.post_destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.post_destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.post_destination GLOB ',*' OR NEW.post_destination GLOB '*,' OR instr(NEW.post_destination, ',,') > 0 OR length(NEW.post_destination) - length(replace(NEW.post_destination, ',', '')) > 2 OR length(NEW.post_destination) > 255;
  SELECT RAISE(ABORT, 'follow_me.alert_info: must be text') WHERE typeof(NEW.alert_info) <> 'text';
  SELECT RAISE(ABORT, 'follow_me.alert_info: holds a line break or another control character') WHERE instr(CAST(NEW.alert_info AS BLOB), x'00') > 0 OR NEW.alert_info GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'follow_me.alert_info: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.alert_info, '${') > 0 OR instr(NEW.alert_info, '$[') > 0;
  SELECT RAISE(ABORT, 'follow_me.alert_info: is longer than 255 characters') WHERE length(NEW.alert_info) > 255;
  SELECT RAISE(ABORT, 'follow_me.confirm_calls: must be text') WHERE typeof(NEW.confirm_calls) <> 'text';
  SELECT RAISE(ABORT, 'follow_me.confirm_calls: holds a line break or another control character') WHERE instr(CAST(NEW.confirm_calls AS BLOB), x'00') > 0 OR NEW.confirm_calls GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'follow_me.confirm_calls: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.confirm_calls, '${') > 0 OR instr(NEW.confirm_calls, '$[') > 0;
  SELECT RAISE(ABORT, 'follow_me.confirm_calls: is longer than 20 characters') WHERE length(NEW.confirm_calls) > 20;
  SELECT RAISE(ABORT, 'follow_me.pre_ring: must be a whole number from 0 to 60') WHERE typeof(NEW.pre_ring) <> 'integer' OR NEW.pre_ring < 0 OR NEW.pre_ring > 60;
  SELECT RAISE(ABORT, 'follow_me.music_on_hold_ringing: must be text') WHERE typeof(NEW.music_on_hold_ringing) <> 'text';
  SELECT RAISE(ABORT, 'follow_me.music_on_hold_ringing: holds a line break or another control character') WHERE instr(CAST(NEW.music_on_hold_ringing AS BLOB), x'00') > 0 OR NEW.music_on_hold_ringing GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'follow_me.music_on_hold_ringing: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.music_on_hold_ringing = '' OR NEW.music_on_hold_ringing GLOB '*[^0-9A-Za-z_-]*' OR NEW.music_on_hold_ringing GLOB '[_-]*' OR length(NEW.music_on_hold_ringing) > 80;
  SELECT RAISE(ABORT, 'follow_me.enabled: must be a whole number from 0 to 1') WHERE typeof(NEW.enabled) <> 'integer' OR NEW.enabled < 0 OR NEW.enabled > 1;
END;

CREATE TRIGGER sb_rules_follow_me_update BEFORE UPDATE ON follow_me
BEGIN
  SELECT RAISE(ABORT, 'follow_me.extension: must be text') WHERE NEW.extension IS NOT OLD.extension AND (typeof(NEW.extension) <> 'text');
  SELECT RAISE(ABORT, 'follow_me.extension: holds a line break or another control character') WHERE NEW.extension IS NOT OLD.extension AND (instr(CAST(NEW.extension AS BLOB), x'00') > 0 OR NEW.extension GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'follow_me.extension: must be 1 to 20 digits') WHERE NEW.extension IS NOT OLD.extension AND (NEW.extension = '' OR NEW.extension GLOB '*[^0-9]*' OR length(NEW.extension) > 20);
  SELECT RAISE(ABORT, 'follow_me.strategy: must be one of ringallv2, ringallv2-prim, ringall, ringall-prim, hunt, hunt-prim, memoryhunt, memoryhunt-prim, firstavailable, firstnotonphone') WHERE NEW.strategy IS NOT OLD.strategy AND (typeof(NEW.strategy) <> 'text' OR NEW.strategy NOT IN ('ringallv2', 'ringallv2-prim', 'ringall', 'ringall-prim', 'hunt', 'hunt-prim', 'memoryhunt', 'memoryhunt-prim', 'firstavailable', 'firstnotonphone'));
  SELECT RAISE(ABORT, 'follow_me.ring_time: must be a whole number from 1 to 60') WHERE NEW.ring_time IS NOT OLD.ring_time AND (typeof(NEW.ring_time) <> 'integer' OR NEW.ring_time < 1 OR NEW.ring_time > 60);
  SELECT RAISE(ABORT, 'follow_me.prefix: must be text') WHERE NEW.prefix IS NOT OLD.prefix AND (typeof(NEW.prefix) <> 'text');
  SELECT RAISE(ABORT, 'follow_me.prefix: holds a line break or another control character') WHERE NEW.prefix IS NOT OLD.prefix AND (instr(CAST(NEW.prefix AS BLOB), x'00') > 0 OR NEW.prefix GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'follow_me.prefix: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } " `)') WHERE NEW.prefix IS NOT OLD.prefix AND (NEW.prefix GLOB '*[];,()$\&|[{}"`]*');
  SELECT RAISE(ABORT, 'follow_me.prefix: is longer than 80 characters') WHERE NEW.prefix IS NOT OLD.prefix AND (length(NEW.prefix) > 80);
  SELECT RAISE(ABORT, 'follow_me.announcement_id: must be a whole number from 0 to 2147483647') WHERE NEW.announcement_id IS NOT OLD.announcement_id AND (typeof(NEW.announcement_id) <> 'integer' OR NEW.announcement_id < 0 OR NEW.announcement_id > 2147483647);
  SELECT RAISE(ABORT, 'follow_me.remote_alert_id: must be a whole number from 0 to 2147483647') WHERE NEW.remote_alert_id IS NOT OLD.remote_alert_id AND (typeof(NEW.remote_alert_id) <> 'integer' OR NEW.remote_alert_id < 0 OR NEW.remote_alert_id > 2147483647);
  SELECT RAISE(ABORT, 'follow_me.too_late_id: must be a whole number from 0 to 2147483647') WHERE NEW.too_late_id IS NOT OLD.too_late_id AND (typeof(NEW.too_late_id) <> 'integer' OR NEW.too_late_id < 0 OR NEW.too_late_id > 2147483647);
  SELECT RAISE(ABORT, 'follow_me.post_destination: must be text') WHERE NEW.post_destination IS NOT OLD.post_destination AND (typeof(NEW.post_destination) <> 'text');
  SELECT RAISE(ABORT, 'follow_me.post_destination: holds a line break or another control character') WHERE NEW.post_destination IS NOT OLD.post_destination AND (instr(CAST(NEW.post_destination AS BLOB), x'00') > 0 OR NEW.post_destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'follow_me.post_destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.post_destination IS NOT OLD.post_destination AND (NEW.post_destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.post_destination GLOB ',*' OR NEW.post_destination GLOB '*,' OR instr(NEW.post_destination, ',,') > 0 OR length(NEW.post_destination) - length(replace(NEW.post_destination, ',', '')) > 2 OR length(NEW.post_destination) > 255);
  SELECT RAISE(ABORT, 'follow_me.alert_info: must be text') WHERE NEW.alert_info IS NOT OLD.alert_info AND (typeof(NEW.alert_info) <> 'text');
  SELECT RAISE(ABORT, 'follow_me.alert_info: holds a line break or another control character') WHERE NEW.alert_info IS NOT OLD.alert_info AND (instr(CAST(NEW.alert_info AS BLOB), x'00') > 0 OR NEW.alert_info GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'follow_me.alert_info: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.alert_info IS NOT OLD.alert_info AND (instr(NEW.alert_info, '${') > 0 OR instr(NEW.alert_info, '$[') > 0);
  SELECT RAISE(ABORT, 'follow_me.alert_info: is longer than 255 characters') WHERE NEW.alert_info IS NOT OLD.alert_info AND (length(NEW.alert_info) > 255);
  SELECT RAISE(ABORT, 'follow_me.confirm_calls: must be text') WHERE NEW.confirm_calls IS NOT OLD.confirm_calls AND (typeof(NEW.confirm_calls) <> 'text');
  SELECT RAISE(ABORT, 'follow_me.confirm_calls: holds a line break or another control character') WHERE NEW.confirm_calls IS NOT OLD.confirm_calls AND (instr(CAST(NEW.confirm_calls AS BLOB), x'00') > 0 OR NEW.confirm_calls GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'follow_me.confirm_calls: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.confirm_calls IS NOT OLD.confirm_calls AND (instr(NEW.confirm_calls, '${') > 0 OR instr(NEW.confirm_calls, '$[') > 0);
  SELECT RAISE(ABORT, 'follow_me.confirm_calls: is longer than 20 characters') WHERE NEW.confirm_calls IS NOT OLD.confirm_calls AND (length(NEW.confirm_calls) > 20);
  SELECT RAISE(ABORT, 'follow_me.pre_ring: must be a whole number from 0 to 60') WHERE NEW.pre_ring IS NOT OLD.pre_ring AND (typeof(NEW.pre_ring) <> 'integer' OR NEW.pre_ring < 0 OR NEW.pre_ring > 60);
  SELECT RAISE(ABORT, 'follow_me.music_on_hold_ringing: must be text') WHERE NEW.music_on_hold_ringing IS NOT OLD.music_on_hold_ringing AND (typeof(NEW.music_on_hold_ringing) <> 'text');
  SELECT RAISE(ABORT, 'follow_me.music_on_hold_ringing: holds a line break or another control character') WHERE NEW.music_on_hold_ringing IS NOT OLD.music_on_hold_ringing AND (instr(CAST(NEW.music_on_hold_ringing AS BLOB), x'00') > 0 OR NEW.music_on_hold_ringing GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'follow_me.music_on_hold_ringing: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.music_on_hold_ringing IS NOT OLD.music_on_hold_ringing AND (NEW.music_on_hold_ringing = '' OR NEW.music_on_hold_ringing GLOB '*[^0-9A-Za-z_-]*' OR NEW.music_on_hold_ringing GLOB '[_-]*' OR length(NEW.music_on_hold_ringing) > 80);
  SELECT RAISE(ABORT, 'follow_me.enabled: must be a whole number from 0 to 1') WHERE NEW.enabled IS NOT OLD.enabled AND (typeof(NEW.enabled) <> 'integer' OR NEW.enabled < 0 OR NEW.enabled > 1);
END;

CREATE TRIGGER sb_rules_follow_me_numbers_insert BEFORE INSERT ON follow_me_numbers
BEGIN
  SELECT RAISE(ABORT, 'follow_me_numbers.extension: must be text') WHERE typeof(NEW.extension) <> 'text';
  SELECT RAISE(ABORT, 'follow_me_numbers.extension: holds a line break or another control character') WHERE instr(CAST(NEW.extension AS BLOB), x'00') > 0 OR NEW.extension GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'follow_me_numbers.extension: must be 1 to 20 digits') WHERE NEW.extension = '' OR NEW.extension GLOB '*[^0-9]*' OR length(NEW.extension) > 20;
  SELECT RAISE(ABORT, 'follow_me_numbers.number: must be text') WHERE typeof(NEW.number) <> 'text';
  SELECT RAISE(ABORT, 'follow_me_numbers.number: holds a line break or another control character') WHERE instr(CAST(NEW.number AS BLOB), x'00') > 0 OR NEW.number GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'follow_me_numbers.number: must be 1 to 20 digits, with an optional leading + and an optional trailing # (an external number)') WHERE NEW.number GLOB '*[^0-9+#]*' OR instr(substr(NEW.number, 2), '+') > 0 OR instr(substr(NEW.number, 1, length(NEW.number) - 1), '#') > 0 OR length(replace(replace(NEW.number, '+', ''), '#', '')) NOT BETWEEN 1 AND 20;
END;

CREATE TRIGGER sb_rules_follow_me_numbers_update BEFORE UPDATE ON follow_me_numbers
BEGIN
  SELECT RAISE(ABORT, 'follow_me_numbers.extension: must be text') WHERE NEW.extension IS NOT OLD.extension AND (typeof(NEW.extension) <> 'text');
  SELECT RAISE(ABORT, 'follow_me_numbers.extension: holds a line break or another control character') WHERE NEW.extension IS NOT OLD.extension AND (instr(CAST(NEW.extension AS BLOB), x'00') > 0 OR NEW.extension GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'follow_me_numbers.extension: must be 1 to 20 digits') WHERE NEW.extension IS NOT OLD.extension AND (NEW.extension = '' OR NEW.extension GLOB '*[^0-9]*' OR length(NEW.extension) > 20);
  SELECT RAISE(ABORT, 'follow_me_numbers.number: must be text') WHERE NEW.number IS NOT OLD.number AND (typeof(NEW.number) <> 'text');
  SELECT RAISE(ABORT, 'follow_me_numbers.number: holds a line break or another control character') WHERE NEW.number IS NOT OLD.number AND (instr(CAST(NEW.number AS BLOB), x'00') > 0 OR NEW.number GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'follow_me_numbers.number: must be 1 to 20 digits, with an optional leading + and an optional trailing # (an external number)') WHERE NEW.number IS NOT OLD.number AND (NEW.number GLOB '*[^0-9+#]*' OR instr(substr(NEW.number, 2), '+') > 0 OR instr(substr(NEW.number, 1, length(NEW.number) - 1), '#') > 0 OR length(replace(replace(NEW.number, '+', ''), '#', '')) NOT BETWEEN 1 AND 20);
END;

CREATE TRIGGER sb_rules_trunks_insert BEFORE INSERT ON trunks
BEGIN
  SELECT RAISE(ABORT, 'trunks.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'trunks.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'trunks.name: must be 1 to 80 letters, digits, _ . and -, starting with a letter or digit') WHERE NEW.name = '' OR NEW.name GLOB '*[^0-9A-Za-z_.-]*' OR NEW.name GLOB '[_.-]*' OR length(NEW.name) > 80;
  SELECT RAISE(ABORT, 'trunks.technology: must be one of pjsip, sip, iax2, dahdi, custom') WHERE typeof(NEW.technology) <> 'text' OR NEW.technology NOT IN ('pjsip', 'sip', 'iax2', 'dahdi', 'custom');
  SELECT RAISE(ABORT, 'trunks.host: must be text') WHERE NEW.host <> '' AND (typeof(NEW.host) <> 'text');
  SELECT RAISE(ABORT, 'trunks.host: holds a line break or another control character') WHERE NEW.host <> '' AND (instr(CAST(NEW.host AS BLOB), x'00') > 0 OR NEW.host GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'trunks.host: must be a host name or address (letters, digits and . _ - : [ ])') WHERE NEW.host <> '' AND (NEW.host = '' OR NEW.host GLOB '*[^]0-9A-Za-z._:[-]*' OR length(NEW.host) > 255);
  SELECT RAISE(ABORT, 'trunks.port: must be a whole number from 1 to 65535') WHERE typeof(NEW.port) <> 'integer' OR NEW.port < 1 OR NEW.port > 65535;
  SELECT RAISE(ABORT, 'trunks.username: must be text') WHERE typeof(NEW.username) <> 'text';
  SELECT RAISE(ABORT, 'trunks.username: holds a line break or another control character') WHERE instr(CAST(NEW.username AS BLOB), x'00') > 0 OR NEW.username GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'trunks.username: must be at most 80 letters, digits and _ . + * # -') WHERE NEW.username GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.username) > 80;
  SELECT RAISE(ABORT, 'trunks.secret: must be text') WHERE typeof(NEW.secret) <> 'text';
  SELECT RAISE(ABORT, 'trunks.secret: holds a line break or another control character') WHERE instr(CAST(NEW.secret AS BLOB), x'00') > 0 OR NEW.secret GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'trunks.secret: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.secret, '${') > 0 OR instr(NEW.secret, '$[') > 0;
  SELECT RAISE(ABORT, 'trunks.secret: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.secret, 1, 1) = ' ' OR substr(NEW.secret, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'trunks.secret: is longer than 128 characters') WHERE length(NEW.secret) > 128;
  SELECT RAISE(ABORT, 'trunks.register: must be a whole number from 0 to 1') WHERE typeof(NEW.register) <> 'integer' OR NEW.register < 0 OR NEW.register > 1;
  SELECT RAISE(ABORT, 'trunks.context: must be text') WHERE typeof(NEW.context) <> 'text';
  SELECT RAISE(ABORT, 'trunks.context: holds a line break or another control character') WHERE instr(CAST(NEW.context AS BLOB), x'00') > 0 OR NEW.context GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'trunks.context: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.context = '' OR NEW.context GLOB '*[^0-9A-Za-z_-]*' OR NEW.context GLOB '[_-]*' OR length(NEW.context) > 80;
  SELECT RAISE(ABORT, 'trunks.outbound_cid: must be text') WHERE typeof(NEW.outbound_cid) <> 'text';
  SELECT RAISE(ABORT, 'trunks.outbound_cid: holds a line break or another control character') WHERE instr(CAST(NEW.outbound_cid AS BLOB), x'00') > 0 OR NEW.outbound_cid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'trunks.outbound_cid: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } `)') WHERE NEW.outbound_cid GLOB '*[];,()$\&|[{}`]*';
  SELECT RAISE(ABORT, 'trunks.outbound_cid: is longer than 80 characters') WHERE length(NEW.outbound_cid) > 80;
  SELECT RAISE(ABORT, 'trunks.max_channels: must be a whole number from 0 to 1000000') WHERE typeof(NEW.max_channels) <> 'integer' OR NEW.max_channels < 0 OR NEW.max_channels > 1000000;
  SELECT RAISE(ABORT, 'trunks.dial_prefix: must be text') WHERE typeof(NEW.dial_prefix) <> 'text';
  SELECT RAISE(ABORT, 'trunks.dial_prefix: holds a line break or another control character') WHERE instr(CAST(NEW.dial_prefix AS BLOB), x'00') > 0 OR NEW.dial_prefix GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'trunks.dial_prefix: must be at most 20 of 0-9 * # +') WHERE NEW.dial_prefix GLOB '*[^0-9*#+]*' OR length(NEW.dial_prefix) > 20;
  SELECT RAISE(ABORT, 'trunks.codecs: must be text') WHERE typeof(NEW.codecs) <> 'text';
  SELECT RAISE(ABORT, 'trunks.codecs: holds a line break or another control character') WHERE instr(CAST(NEW.codecs AS BLOB), x'00') > 0 OR NEW.codecs GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'trunks.codecs: must be codec names (letters, digits, _ and -) separated by commas') WHERE NEW.codecs = '' OR NEW.codecs GLOB '*[^0-9A-Za-z_,-]*' OR NEW.codecs GLOB ',*' OR NEW.codecs GLOB '*,' OR instr(NEW.codecs, ',,') > 0 OR length(NEW.codecs) > 200;
  SELECT RAISE(ABORT, 'trunks.enabled: must be a whole number from 0 to 1') WHERE typeof(NEW.enabled) <> 'integer' OR NEW.enabled < 0 OR NEW.enabled > 1;
END;

CREATE TRIGGER sb_rules_trunks_update BEFORE UPDATE ON trunks
BEGIN
  SELECT RAISE(ABORT, 'trunks.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'trunks.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'trunks.name: must be 1 to 80 letters, digits, _ . and -, starting with a letter or digit') WHERE NEW.name IS NOT OLD.name AND (NEW.name = '' OR NEW.name GLOB '*[^0-9A-Za-z_.-]*' OR NEW.name GLOB '[_.-]*' OR length(NEW.name) > 80);
  SELECT RAISE(ABORT, 'trunks.technology: must be one of pjsip, sip, iax2, dahdi, custom') WHERE NEW.technology IS NOT OLD.technology AND (typeof(NEW.technology) <> 'text' OR NEW.technology NOT IN ('pjsip', 'sip', 'iax2', 'dahdi', 'custom'));
  SELECT RAISE(ABORT, 'trunks.host: must be text') WHERE NEW.host IS NOT OLD.host AND NEW.host <> '' AND (typeof(NEW.host) <> 'text');
  SELECT RAISE(ABORT, 'trunks.host: holds a line break or another control character') WHERE NEW.host IS NOT OLD.host AND NEW.host <> '' AND (instr(CAST(NEW.host AS BLOB), x'00') > 0 OR NEW.host GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'trunks.host: must be a host name or address (letters, digits and . _ - : [ ])') WHERE NEW.host IS NOT OLD.host AND NEW.host <> '' AND (NEW.host = '' OR NEW.host GLOB '*[^]0-9A-Za-z._:[-]*' OR length(NEW.host) > 255);
  SELECT RAISE(ABORT, 'trunks.port: must be a whole number from 1 to 65535') WHERE NEW.port IS NOT OLD.port AND (typeof(NEW.port) <> 'integer' OR NEW.port < 1 OR NEW.port > 65535);
  SELECT RAISE(ABORT, 'trunks.username: must be text') WHERE NEW.username IS NOT OLD.username AND (typeof(NEW.username) <> 'text');
  SELECT RAISE(ABORT, 'trunks.username: holds a line break or another control character') WHERE NEW.username IS NOT OLD.username AND (instr(CAST(NEW.username AS BLOB), x'00') > 0 OR NEW.username GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'trunks.username: must be at most 80 letters, digits and _ . + * # -') WHERE NEW.username IS NOT OLD.username AND (NEW.username GLOB '*[^0-9A-Za-z_.+*#-]*' OR length(NEW.username) > 80);
  SELECT RAISE(ABORT, 'trunks.secret: must be text') WHERE NEW.secret IS NOT OLD.secret AND (typeof(NEW.secret) <> 'text');
  SELECT RAISE(ABORT, 'trunks.secret: holds a line break or another control character') WHERE NEW.secret IS NOT OLD.secret AND (instr(CAST(NEW.secret AS BLOB), x'00') > 0 OR NEW.secret GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'trunks.secret: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.secret IS NOT OLD.secret AND (instr(NEW.secret, '${') > 0 OR instr(NEW.secret, '$[') > 0);
  SELECT RAISE(ABORT, 'trunks.secret: starts or ends with a space, which Asterisk would drop') WHERE NEW.secret IS NOT OLD.secret AND (substr(NEW.secret, 1, 1) = ' ' OR substr(NEW.secret, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'trunks.secret: is longer than 128 characters') WHERE NEW.secret IS NOT OLD.secret AND (length(NEW.secret) > 128);
  SELECT RAISE(ABORT, 'trunks.register: must be a whole number from 0 to 1') WHERE NEW.register IS NOT OLD.register AND (typeof(NEW.register) <> 'integer' OR NEW.register < 0 OR NEW.register > 1);
  SELECT RAISE(ABORT, 'trunks.context: must be text') WHERE NEW.context IS NOT OLD.context AND (typeof(NEW.context) <> 'text');
  SELECT RAISE(ABORT, 'trunks.context: holds a line break or another control character') WHERE NEW.context IS NOT OLD.context AND (instr(CAST(NEW.context AS BLOB), x'00') > 0 OR NEW.context GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'trunks.context: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.context IS NOT OLD.context AND (NEW.context = '' OR NEW.context GLOB '*[^0-9A-Za-z_-]*' OR NEW.context GLOB '[_-]*' OR length(NEW.context) > 80);
  SELECT RAISE(ABORT, 'trunks.outbound_cid: must be text') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (typeof(NEW.outbound_cid) <> 'text');
  SELECT RAISE(ABORT, 'trunks.outbound_cid: holds a line break or another control character') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (instr(CAST(NEW.outbound_cid AS BLOB), x'00') > 0 OR NEW.outbound_cid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'trunks.outbound_cid: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } `)') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (NEW.outbound_cid GLOB '*[];,()$\&|[{}`]*');
  SELECT RAISE(ABORT, 'trunks.outbound_cid: is longer than 80 characters') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (length(NEW.outbound_cid) > 80);
  SELECT RAISE(ABORT, 'trunks.max_channels: must be a whole number from 0 to 1000000') WHERE NEW.max_channels IS NOT OLD.max_channels AND (typeof(NEW.max_channels) <> 'integer' OR NEW.max_channels < 0 OR NEW.max_channels > 1000000);
  SELECT RAISE(ABORT, 'trunks.dial_prefix: must be text') WHERE NEW.dial_prefix IS NOT OLD.dial_prefix AND (typeof(NEW.dial_prefix) <> 'text');
  SELECT RAISE(ABORT, 'trunks.dial_prefix: holds a line break or another control character') WHERE NEW.dial_prefix IS NOT OLD.dial_prefix AND (instr(CAST(NEW.dial_prefix AS BLOB), x'00') > 0 OR NEW.dial_prefix GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'trunks.dial_prefix: must be at most 20 of 0-9 * # +') WHERE NEW.dial_prefix IS NOT OLD.dial_prefix AND (NEW.dial_prefix GLOB '*[^0-9*#+]*' OR length(NEW.dial_prefix) > 20);
  SELECT RAISE(ABORT, 'trunks.codecs: must be text') WHERE NEW.codecs IS NOT OLD.codecs AND (typeof(NEW.codecs) <> 'text');
  SELECT RAISE(ABORT, 'trunks.codecs: holds a line break or another control character') WHERE NEW.codecs IS NOT OLD.codecs AND (instr(CAST(NEW.codecs AS BLOB), x'00') > 0 OR NEW.codecs GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'trunks.codecs: must be codec names (letters, digits, _ and -) separated by commas') WHERE NEW.codecs IS NOT OLD.codecs AND (NEW.codecs = '' OR NEW.codecs GLOB '*[^0-9A-Za-z_,-]*' OR NEW.codecs GLOB ',*' OR NEW.codecs GLOB '*,' OR instr(NEW.codecs, ',,') > 0 OR length(NEW.codecs) > 200);
  SELECT RAISE(ABORT, 'trunks.enabled: must be a whole number from 0 to 1') WHERE NEW.enabled IS NOT OLD.enabled AND (typeof(NEW.enabled) <> 'integer' OR NEW.enabled < 0 OR NEW.enabled > 1);
END;

CREATE TRIGGER sb_rules_queues_insert BEFORE INSERT ON queues
BEGIN
  SELECT RAISE(ABORT, 'queues.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'queues.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'queues.name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.name = '' OR NEW.name GLOB '*[^0-9A-Za-z_-]*' OR NEW.name GLOB '[_-]*' OR length(NEW.name) > 80;
  SELECT RAISE(ABORT, 'queues.name: is the name of its file''s settings section') WHERE lower(NEW.name) IN ('general');
  SELECT RAISE(ABORT, 'queues.description: must be text') WHERE typeof(NEW.description) <> 'text';
  SELECT RAISE(ABORT, 'queues.description: holds a line break or another control character') WHERE instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'queues.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0;
  SELECT RAISE(ABORT, 'queues.description: is longer than 255 characters') WHERE length(NEW.description) > 255;
  SELECT RAISE(ABORT, 'queues.strategy: must be one of ringall, leastrecent, fewestcalls, random, rrmemory, linear, wrandom, rrordered') WHERE typeof(NEW.strategy) <> 'text' OR NEW.strategy NOT IN ('ringall', 'leastrecent', 'fewestcalls', 'random', 'rrmemory', 'linear', 'wrandom', 'rrordered');
  SELECT RAISE(ABORT, 'queues.timeout: must be a whole number from 0 to 86400') WHERE typeof(NEW.timeout) <> 'integer' OR NEW.timeout < 0 OR NEW.timeout > 86400;
  SELECT RAISE(ABORT, 'queues.retry: must be a whole number from 0 to 86400') WHERE typeof(NEW.retry) <> 'integer' OR NEW.retry < 0 OR NEW.retry > 86400;
  SELECT RAISE(ABORT, 'queues.wrapuptime: must be a whole number from 0 to 86400') WHERE typeof(NEW.wrapuptime) <> 'integer' OR NEW.wrapuptime < 0 OR NEW.wrapuptime > 86400;
  SELECT RAISE(ABORT, 'queues.maxlen: must be a whole number from 0 to 1000000') WHERE typeof(NEW.maxlen) <> 'integer' OR NEW.maxlen < 0 OR NEW.maxlen > 1000000;
  SELECT RAISE(ABORT, 'queues.servicelevel: must be a whole number from 0 to 86400') WHERE typeof(NEW.servicelevel) <> 'integer' OR NEW.servicelevel < 0 OR NEW.servicelevel > 86400;
  SELECT RAISE(ABORT, 'queues.weight: must be a whole number from 0 to 1000000') WHERE typeof(NEW.weight) <> 'integer' OR NEW.weight < 0 OR NEW.weight > 1000000;
  SELECT RAISE(ABORT, 'queues.musiconhold: must be text') WHERE NEW.musiconhold <> '' AND (typeof(NEW.musiconhold) <> 'text');
  SELECT RAISE(ABORT, 'queues.musiconhold: holds a line break or another control character') WHERE NEW.musiconhold <> '' AND (instr(CAST(NEW.musiconhold AS BLOB), x'00') > 0 OR NEW.musiconhold GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queues.musiconhold: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.musiconhold <> '' AND (NEW.musiconhold = '' OR NEW.musiconhold GLOB '*[^0-9A-Za-z_-]*' OR NEW.musiconhold GLOB '[_-]*' OR length(NEW.musiconhold) > 80);
  SELECT RAISE(ABORT, 'queues.announce: must be text') WHERE NEW.announce <> '' AND (typeof(NEW.announce) <> 'text');
  SELECT RAISE(ABORT, 'queues.announce: holds a line break or another control character') WHERE NEW.announce <> '' AND (instr(CAST(NEW.announce AS BLOB), x'00') > 0 OR NEW.announce GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queues.announce: must be a sound file name (letters, digits and _ . / -)') WHERE NEW.announce <> '' AND (NEW.announce = '' OR NEW.announce GLOB '*[^0-9A-Za-z_./-]*' OR length(NEW.announce) > 255);
  SELECT RAISE(ABORT, 'queues.joinempty: must be text') WHERE typeof(NEW.joinempty) <> 'text';
  SELECT RAISE(ABORT, 'queues.joinempty: holds a line break or another control character') WHERE instr(CAST(NEW.joinempty AS BLOB), x'00') > 0 OR NEW.joinempty GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'queues.joinempty: must be lowercase words separated by commas') WHERE NEW.joinempty = '' OR NEW.joinempty GLOB '*[^a-z,]*' OR length(NEW.joinempty) > 80;
  SELECT RAISE(ABORT, 'queues.leavewhenempty: must be text') WHERE typeof(NEW.leavewhenempty) <> 'text';
  SELECT RAISE(ABORT, 'queues.leavewhenempty: holds a line break or another control character') WHERE instr(CAST(NEW.leavewhenempty AS BLOB), x'00') > 0 OR NEW.leavewhenempty GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'queues.leavewhenempty: must be lowercase words separated by commas') WHERE NEW.leavewhenempty = '' OR NEW.leavewhenempty GLOB '*[^a-z,]*' OR length(NEW.leavewhenempty) > 80;
  SELECT RAISE(ABORT, 'queues.ringinuse: must be one of yes, no') WHERE typeof(NEW.ringinuse) <> 'text' OR NEW.ringinuse NOT IN ('yes', 'no');
END;

CREATE TRIGGER sb_rules_queues_update BEFORE UPDATE ON queues
BEGIN
  SELECT RAISE(ABORT, 'queues.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'queues.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queues.name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.name IS NOT OLD.name AND (NEW.name = '' OR NEW.name GLOB '*[^0-9A-Za-z_-]*' OR NEW.name GLOB '[_-]*' OR length(NEW.name) > 80);
  SELECT RAISE(ABORT, 'queues.name: is the name of its file''s settings section') WHERE NEW.name IS NOT OLD.name AND (lower(NEW.name) IN ('general'));
  SELECT RAISE(ABORT, 'queues.description: must be text') WHERE NEW.description IS NOT OLD.description AND (typeof(NEW.description) <> 'text');
  SELECT RAISE(ABORT, 'queues.description: holds a line break or another control character') WHERE NEW.description IS NOT OLD.description AND (instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queues.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.description IS NOT OLD.description AND (instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0);
  SELECT RAISE(ABORT, 'queues.description: is longer than 255 characters') WHERE NEW.description IS NOT OLD.description AND (length(NEW.description) > 255);
  SELECT RAISE(ABORT, 'queues.strategy: must be one of ringall, leastrecent, fewestcalls, random, rrmemory, linear, wrandom, rrordered') WHERE NEW.strategy IS NOT OLD.strategy AND (typeof(NEW.strategy) <> 'text' OR NEW.strategy NOT IN ('ringall', 'leastrecent', 'fewestcalls', 'random', 'rrmemory', 'linear', 'wrandom', 'rrordered'));
  SELECT RAISE(ABORT, 'queues.timeout: must be a whole number from 0 to 86400') WHERE NEW.timeout IS NOT OLD.timeout AND (typeof(NEW.timeout) <> 'integer' OR NEW.timeout < 0 OR NEW.timeout > 86400);
  SELECT RAISE(ABORT, 'queues.retry: must be a whole number from 0 to 86400') WHERE NEW.retry IS NOT OLD.retry AND (typeof(NEW.retry) <> 'integer' OR NEW.retry < 0 OR NEW.retry > 86400);
  SELECT RAISE(ABORT, 'queues.wrapuptime: must be a whole number from 0 to 86400') WHERE NEW.wrapuptime IS NOT OLD.wrapuptime AND (typeof(NEW.wrapuptime) <> 'integer' OR NEW.wrapuptime < 0 OR NEW.wrapuptime > 86400);
  SELECT RAISE(ABORT, 'queues.maxlen: must be a whole number from 0 to 1000000') WHERE NEW.maxlen IS NOT OLD.maxlen AND (typeof(NEW.maxlen) <> 'integer' OR NEW.maxlen < 0 OR NEW.maxlen > 1000000);
  SELECT RAISE(ABORT, 'queues.servicelevel: must be a whole number from 0 to 86400') WHERE NEW.servicelevel IS NOT OLD.servicelevel AND (typeof(NEW.servicelevel) <> 'integer' OR NEW.servicelevel < 0 OR NEW.servicelevel > 86400);
  SELECT RAISE(ABORT, 'queues.weight: must be a whole number from 0 to 1000000') WHERE NEW.weight IS NOT OLD.weight AND (typeof(NEW.weight) <> 'integer' OR NEW.weight < 0 OR NEW.weight > 1000000);
  SELECT RAISE(ABORT, 'queues.musiconhold: must be text') WHERE NEW.musiconhold IS NOT OLD.musiconhold AND NEW.musiconhold <> '' AND (typeof(NEW.musiconhold) <> 'text');
  SELECT RAISE(ABORT, 'queues.musiconhold: holds a line break or another control character') WHERE NEW.musiconhold IS NOT OLD.musiconhold AND NEW.musiconhold <> '' AND (instr(CAST(NEW.musiconhold AS BLOB), x'00') > 0 OR NEW.musiconhold GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queues.musiconhold: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.musiconhold IS NOT OLD.musiconhold AND NEW.musiconhold <> '' AND (NEW.musiconhold = '' OR NEW.musiconhold GLOB '*[^0-9A-Za-z_-]*' OR NEW.musiconhold GLOB '[_-]*' OR length(NEW.musiconhold) > 80);
  SELECT RAISE(ABORT, 'queues.announce: must be text') WHERE NEW.announce IS NOT OLD.announce AND NEW.announce <> '' AND (typeof(NEW.announce) <> 'text');
  SELECT RAISE(ABORT, 'queues.announce: holds a line break or another control character') WHERE NEW.announce IS NOT OLD.announce AND NEW.announce <> '' AND (instr(CAST(NEW.announce AS BLOB), x'00') > 0 OR NEW.announce GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queues.announce: must be a sound file name (letters, digits and _ . / -)') WHERE NEW.announce IS NOT OLD.announce AND NEW.announce <> '' AND (NEW.announce = '' OR NEW.announce GLOB '*[^0-9A-Za-z_./-]*' OR length(NEW.announce) > 255);
  SELECT RAISE(ABORT, 'queues.joinempty: must be text') WHERE NEW.joinempty IS NOT OLD.joinempty AND (typeof(NEW.joinempty) <> 'text');
  SELECT RAISE(ABORT, 'queues.joinempty: holds a line break or another control character') WHERE NEW.joinempty IS NOT OLD.joinempty AND (instr(CAST(NEW.joinempty AS BLOB), x'00') > 0 OR NEW.joinempty GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queues.joinempty: must be lowercase words separated by commas') WHERE NEW.joinempty IS NOT OLD.joinempty AND (NEW.joinempty = '' OR NEW.joinempty GLOB '*[^a-z,]*' OR length(NEW.joinempty) > 80);
  SELECT RAISE(ABORT, 'queues.leavewhenempty: must be text') WHERE NEW.leavewhenempty IS NOT OLD.leavewhenempty AND (typeof(NEW.leavewhenempty) <> 'text');
  SELECT RAISE(ABORT, 'queues.leavewhenempty: holds a line break or another control character') WHERE NEW.leavewhenempty IS NOT OLD.leavewhenempty AND (instr(CAST(NEW.leavewhenempty AS BLOB), x'00') > 0 OR NEW.leavewhenempty GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queues.leavewhenempty: must be lowercase words separated by commas') WHERE NEW.leavewhenempty IS NOT OLD.leavewhenempty AND (NEW.leavewhenempty = '' OR NEW.leavewhenempty GLOB '*[^a-z,]*' OR length(NEW.leavewhenempty) > 80);
  SELECT RAISE(ABORT, 'queues.ringinuse: must be one of yes, no') WHERE NEW.ringinuse IS NOT OLD.ringinuse AND (typeof(NEW.ringinuse) <> 'text' OR NEW.ringinuse NOT IN ('yes', 'no'));
END;

CREATE TRIGGER sb_rules_queue_members_insert BEFORE INSERT ON queue_members
BEGIN
  SELECT RAISE(ABORT, 'queue_members.queue_name: must be text') WHERE typeof(NEW.queue_name) <> 'text';
  SELECT RAISE(ABORT, 'queue_members.queue_name: holds a line break or another control character') WHERE instr(CAST(NEW.queue_name AS BLOB), x'00') > 0 OR NEW.queue_name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'queue_members.queue_name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.queue_name = '' OR NEW.queue_name GLOB '*[^0-9A-Za-z_-]*' OR NEW.queue_name GLOB '[_-]*' OR length(NEW.queue_name) > 80;
  SELECT RAISE(ABORT, 'queue_members.interface: must be text') WHERE typeof(NEW.interface) <> 'text';
  SELECT RAISE(ABORT, 'queue_members.interface: holds a line break or another control character') WHERE instr(CAST(NEW.interface AS BLOB), x'00') > 0 OR NEW.interface GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'queue_members.interface: must be a device such as PJSIP/1001 (letters, digits and _ . / @ + * # : -)') WHERE NEW.interface = '' OR NEW.interface GLOB '*[^0-9A-Za-z_./@+*#:-]*' OR length(NEW.interface) > 128;
  SELECT RAISE(ABORT, 'queue_members.membername: must be text') WHERE typeof(NEW.membername) <> 'text';
  SELECT RAISE(ABORT, 'queue_members.membername: holds a line break or another control character') WHERE instr(CAST(NEW.membername AS BLOB), x'00') > 0 OR NEW.membername GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'queue_members.membername: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.membername, '${') > 0 OR instr(NEW.membername, '$[') > 0;
  SELECT RAISE(ABORT, 'queue_members.membername: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.membername, 1, 1) = ' ' OR substr(NEW.membername, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'queue_members.membername: holds `,` or `|`, which separate the fields of its line') WHERE NEW.membername GLOB '*[,|]*';
  SELECT RAISE(ABORT, 'queue_members.membername: is longer than 80 characters') WHERE length(NEW.membername) > 80;
  SELECT RAISE(ABORT, 'queue_members.state_interface: must be text') WHERE NEW.state_interface <> '' AND (typeof(NEW.state_interface) <> 'text');
  SELECT RAISE(ABORT, 'queue_members.state_interface: holds a line break or another control character') WHERE NEW.state_interface <> '' AND (instr(CAST(NEW.state_interface AS BLOB), x'00') > 0 OR NEW.state_interface GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queue_members.state_interface: must be a device such as PJSIP/1001 (letters, digits and _ . / @ + * # : -)') WHERE NEW.state_interface <> '' AND (NEW.state_interface = '' OR NEW.state_interface GLOB '*[^0-9A-Za-z_./@+*#:-]*' OR length(NEW.state_interface) > 128);
  SELECT RAISE(ABORT, 'queue_members.penalty: must be a whole number from 0 to 1000000') WHERE typeof(NEW.penalty) <> 'integer' OR NEW.penalty < 0 OR NEW.penalty > 1000000;
  SELECT RAISE(ABORT, 'queue_members.paused: must be a whole number from 0 to 1') WHERE typeof(NEW.paused) <> 'integer' OR NEW.paused < 0 OR NEW.paused > 1;
END;

CREATE TRIGGER sb_rules_queue_members_update BEFORE UPDATE ON queue_members
BEGIN
  SELECT RAISE(ABORT, 'queue_members.queue_name: must be text') WHERE NEW.queue_name IS NOT OLD.queue_name AND (typeof(NEW.queue_name) <> 'text');
  SELECT RAISE(ABORT, 'queue_members.queue_name: holds a line break or another control character') WHERE NEW.queue_name IS NOT OLD.queue_name AND (instr(CAST(NEW.queue_name AS BLOB), x'00') > 0 OR NEW.queue_name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queue_members.queue_name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.queue_name IS NOT OLD.queue_name AND (NEW.queue_name = '' OR NEW.queue_name GLOB '*[^0-9A-Za-z_-]*' OR NEW.queue_name GLOB '[_-]*' OR length(NEW.queue_name) > 80);
  SELECT RAISE(ABORT, 'queue_members.interface: must be text') WHERE NEW.interface IS NOT OLD.interface AND (typeof(NEW.interface) <> 'text');
  SELECT RAISE(ABORT, 'queue_members.interface: holds a line break or another control character') WHERE NEW.interface IS NOT OLD.interface AND (instr(CAST(NEW.interface AS BLOB), x'00') > 0 OR NEW.interface GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queue_members.interface: must be a device such as PJSIP/1001 (letters, digits and _ . / @ + * # : -)') WHERE NEW.interface IS NOT OLD.interface AND (NEW.interface = '' OR NEW.interface GLOB '*[^0-9A-Za-z_./@+*#:-]*' OR length(NEW.interface) > 128);
  SELECT RAISE(ABORT, 'queue_members.membername: must be text') WHERE NEW.membername IS NOT OLD.membername AND (typeof(NEW.membername) <> 'text');
  SELECT RAISE(ABORT, 'queue_members.membername: holds a line break or another control character') WHERE NEW.membername IS NOT OLD.membername AND (instr(CAST(NEW.membername AS BLOB), x'00') > 0 OR NEW.membername GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queue_members.membername: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.membername IS NOT OLD.membername AND (instr(NEW.membername, '${') > 0 OR instr(NEW.membername, '$[') > 0);
  SELECT RAISE(ABORT, 'queue_members.membername: starts or ends with a space, which Asterisk would drop') WHERE NEW.membername IS NOT OLD.membername AND (substr(NEW.membername, 1, 1) = ' ' OR substr(NEW.membername, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'queue_members.membername: holds `,` or `|`, which separate the fields of its line') WHERE NEW.membername IS NOT OLD.membername AND (NEW.membername GLOB '*[,|]*');
  SELECT RAISE(ABORT, 'queue_members.membername: is longer than 80 characters') WHERE NEW.membername IS NOT OLD.membername AND (length(NEW.membername) > 80);
  SELECT RAISE(ABORT, 'queue_members.state_interface: must be text') WHERE NEW.state_interface IS NOT OLD.state_interface AND NEW.state_interface <> '' AND (typeof(NEW.state_interface) <> 'text');
  SELECT RAISE(ABORT, 'queue_members.state_interface: holds a line break or another control character') WHERE NEW.state_interface IS NOT OLD.state_interface AND NEW.state_interface <> '' AND (instr(CAST(NEW.state_interface AS BLOB), x'00') > 0 OR NEW.state_interface GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'queue_members.state_interface: must be a device such as PJSIP/1001 (letters, digits and _ . / @ + * # : -)') WHERE NEW.state_interface IS NOT OLD.state_interface AND NEW.state_interface <> '' AND (NEW.state_interface = '' OR NEW.state_interface GLOB '*[^0-9A-Za-z_./@+*#:-]*' OR length(NEW.state_interface) > 128);
  SELECT RAISE(ABORT, 'queue_members.penalty: must be a whole number from 0 to 1000000') WHERE NEW.penalty IS NOT OLD.penalty AND (typeof(NEW.penalty) <> 'integer' OR NEW.penalty < 0 OR NEW.penalty > 1000000);
  SELECT RAISE(ABORT, 'queue_members.paused: must be a whole number from 0 to 1') WHERE NEW.paused IS NOT OLD.paused AND (typeof(NEW.paused) <> 'integer' OR NEW.paused < 0 OR NEW.paused > 1);
END;

CREATE TRIGGER sb_rules_inbound_routes_insert BEFORE INSERT ON inbound_routes
BEGIN
  SELECT RAISE(ABORT, 'inbound_routes.description: must be text') WHERE typeof(NEW.description) <> 'text';
  SELECT RAISE(ABORT, 'inbound_routes.description: holds a line break or another control character') WHERE instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'inbound_routes.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0;
  SELECT RAISE(ABORT, 'inbound_routes.description: is longer than 255 characters') WHERE length(NEW.description) > 255;
  SELECT RAISE(ABORT, 'inbound_routes.did: must be text') WHERE NEW.did <> '' AND (typeof(NEW.did) <> 'text');
  SELECT RAISE(ABORT, 'inbound_routes.did: holds a line break or another control character') WHERE NEW.did <> '' AND (instr(CAST(NEW.did AS BLOB), x'00') > 0 OR NEW.did GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'inbound_routes.did: must be 1 to 80 letters, digits and _ . + * # - [ ] !') WHERE NEW.did <> '' AND (NEW.did = '' OR NEW.did GLOB '*[^]0-9A-Za-z_.+*#[!-]*' OR length(NEW.did) > 80);
  SELECT RAISE(ABORT, 'inbound_routes.cid: must be text') WHERE NEW.cid <> '' AND (typeof(NEW.cid) <> 'text');
  SELECT RAISE(ABORT, 'inbound_routes.cid: holds a line break or another control character') WHERE NEW.cid <> '' AND (instr(CAST(NEW.cid AS BLOB), x'00') > 0 OR NEW.cid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'inbound_routes.cid: must be 1 to 80 letters, digits and _ . + * # - [ ] !') WHERE NEW.cid <> '' AND (NEW.cid = '' OR NEW.cid GLOB '*[^]0-9A-Za-z_.+*#[!-]*' OR length(NEW.cid) > 80);
  SELECT RAISE(ABORT, 'inbound_routes.destination: must be text') WHERE typeof(NEW.destination) <> 'text';
  SELECT RAISE(ABORT, 'inbound_routes.destination: holds a line break or another control character') WHERE instr(CAST(NEW.destination AS BLOB), x'00') > 0 OR NEW.destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'inbound_routes.destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination GLOB ',*' OR NEW.destination GLOB '*,' OR instr(NEW.destination, ',,') > 0 OR length(NEW.destination) - length(replace(NEW.destination, ',', '')) > 2 OR length(NEW.destination) > 255;
END;

CREATE TRIGGER sb_rules_inbound_routes_update BEFORE UPDATE ON inbound_routes
BEGIN
  SELECT RAISE(ABORT, 'inbound_routes.description: must be text') WHERE NEW.description IS NOT OLD.description AND (typeof(NEW.description) <> 'text');
  SELECT RAISE(ABORT, 'inbound_routes.description: holds a line break or another control character') WHERE NEW.description IS NOT OLD.description AND (instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'inbound_routes.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.description IS NOT OLD.description AND (instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0);
  SELECT RAISE(ABORT, 'inbound_routes.description: is longer than 255 characters') WHERE NEW.description IS NOT OLD.description AND (length(NEW.description) > 255);
  SELECT RAISE(ABORT, 'inbound_routes.did: must be text') WHERE NEW.did IS NOT OLD.did AND NEW.did <> '' AND (typeof(NEW.did) <> 'text');
  SELECT RAISE(ABORT, 'inbound_routes.did: holds a line break or another control character') WHERE NEW.did IS NOT OLD.did AND NEW.did <> '' AND (instr(CAST(NEW.did AS BLOB), x'00') > 0 OR NEW.did GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'inbound_routes.did: must be 1 to 80 letters, digits and _ . + * # - [ ] !') WHERE NEW.did IS NOT OLD.did AND NEW.did <> '' AND (NEW.did = '' OR NEW.did GLOB '*[^]0-9A-Za-z_.+*#[!-]*' OR length(NEW.did) > 80);
  SELECT RAISE(ABORT, 'inbound_routes.cid: must be text') WHERE NEW.cid IS NOT OLD.cid AND NEW.cid <> '' AND (typeof(NEW.cid) <> 'text');
  SELECT RAISE(ABORT, 'inbound_routes.cid: holds a line break or another control character') WHERE NEW.cid IS NOT OLD.cid AND NEW.cid <> '' AND (instr(CAST(NEW.cid AS BLOB), x'00') > 0 OR NEW.cid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'inbound_routes.cid: must be 1 to 80 letters, digits and _ . + * # - [ ] !') WHERE NEW.cid IS NOT OLD.cid AND NEW.cid <> '' AND (NEW.cid = '' OR NEW.cid GLOB '*[^]0-9A-Za-z_.+*#[!-]*' OR length(NEW.cid) > 80);
  SELECT RAISE(ABORT, 'inbound_routes.destination: must be text') WHERE NEW.destination IS NOT OLD.destination AND (typeof(NEW.destination) <> 'text');
  SELECT RAISE(ABORT, 'inbound_routes.destination: holds a line break or another control character') WHERE NEW.destination IS NOT OLD.destination AND (instr(CAST(NEW.destination AS BLOB), x'00') > 0 OR NEW.destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'inbound_routes.destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination IS NOT OLD.destination AND (NEW.destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination GLOB ',*' OR NEW.destination GLOB '*,' OR instr(NEW.destination, ',,') > 0 OR length(NEW.destination) - length(replace(NEW.destination, ',', '')) > 2 OR length(NEW.destination) > 255);
END;

CREATE TRIGGER sb_rules_outbound_routes_insert BEFORE INSERT ON outbound_routes
BEGIN
  SELECT RAISE(ABORT, 'outbound_routes.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'outbound_routes.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'outbound_routes.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0;
  SELECT RAISE(ABORT, 'outbound_routes.name: is longer than 100 characters') WHERE length(NEW.name) > 100;
  SELECT RAISE(ABORT, 'outbound_routes.outbound_cid: must be text') WHERE typeof(NEW.outbound_cid) <> 'text';
  SELECT RAISE(ABORT, 'outbound_routes.outbound_cid: holds a line break or another control character') WHERE instr(CAST(NEW.outbound_cid AS BLOB), x'00') > 0 OR NEW.outbound_cid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'outbound_routes.outbound_cid: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } `)') WHERE NEW.outbound_cid GLOB '*[];,()$\&|[{}`]*';
  SELECT RAISE(ABORT, 'outbound_routes.outbound_cid: is longer than 80 characters') WHERE length(NEW.outbound_cid) > 80;
  SELECT RAISE(ABORT, 'outbound_routes.emergency: must be a whole number from 0 to 1') WHERE typeof(NEW.emergency) <> 'integer' OR NEW.emergency < 0 OR NEW.emergency > 1;
END;

CREATE TRIGGER sb_rules_outbound_routes_update BEFORE UPDATE ON outbound_routes
BEGIN
  SELECT RAISE(ABORT, 'outbound_routes.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'outbound_routes.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'outbound_routes.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.name IS NOT OLD.name AND (instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0);
  SELECT RAISE(ABORT, 'outbound_routes.name: is longer than 100 characters') WHERE NEW.name IS NOT OLD.name AND (length(NEW.name) > 100);
  SELECT RAISE(ABORT, 'outbound_routes.outbound_cid: must be text') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (typeof(NEW.outbound_cid) <> 'text');
  SELECT RAISE(ABORT, 'outbound_routes.outbound_cid: holds a line break or another control character') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (instr(CAST(NEW.outbound_cid AS BLOB), x'00') > 0 OR NEW.outbound_cid GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'outbound_routes.outbound_cid: holds a character the dialplan would interpret (; , ( ) $ \ & | [ ] { } `)') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (NEW.outbound_cid GLOB '*[];,()$\&|[{}`]*');
  SELECT RAISE(ABORT, 'outbound_routes.outbound_cid: is longer than 80 characters') WHERE NEW.outbound_cid IS NOT OLD.outbound_cid AND (length(NEW.outbound_cid) > 80);
  SELECT RAISE(ABORT, 'outbound_routes.emergency: must be a whole number from 0 to 1') WHERE NEW.emergency IS NOT OLD.emergency AND (typeof(NEW.emergency) <> 'integer' OR NEW.emergency < 0 OR NEW.emergency > 1);
END;

CREATE TRIGGER sb_rules_outbound_route_patterns_insert BEFORE INSERT ON outbound_route_patterns
BEGIN
  SELECT RAISE(ABORT, 'outbound_route_patterns.match: must be text') WHERE typeof(NEW.match) <> 'text';
  SELECT RAISE(ABORT, 'outbound_route_patterns.match: holds a line break or another control character') WHERE instr(CAST(NEW.match AS BLOB), x'00') > 0 OR NEW.match GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'outbound_route_patterns.match: must be 1 to 80 letters, digits and _ . + * # - [ ] !') WHERE NEW.match = '' OR NEW.match GLOB '*[^]0-9A-Za-z_.+*#[!-]*' OR length(NEW.match) > 80;
  SELECT RAISE(ABORT, 'outbound_route_patterns.prefix: must be text') WHERE typeof(NEW.prefix) <> 'text';
  SELECT RAISE(ABORT, 'outbound_route_patterns.prefix: holds a line break or another control character') WHERE instr(CAST(NEW.prefix AS BLOB), x'00') > 0 OR NEW.prefix GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'outbound_route_patterns.prefix: must be at most 20 of 0-9 * # +') WHERE NEW.prefix GLOB '*[^0-9*#+]*' OR length(NEW.prefix) > 20;
  SELECT RAISE(ABORT, 'outbound_route_patterns.prepend: must be text') WHERE typeof(NEW.prepend) <> 'text';
  SELECT RAISE(ABORT, 'outbound_route_patterns.prepend: holds a line break or another control character') WHERE instr(CAST(NEW.prepend AS BLOB), x'00') > 0 OR NEW.prepend GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'outbound_route_patterns.prepend: must be at most 20 of 0-9 * # +') WHERE NEW.prepend GLOB '*[^0-9*#+]*' OR length(NEW.prepend) > 20;
END;

CREATE TRIGGER sb_rules_outbound_route_patterns_update BEFORE UPDATE ON outbound_route_patterns
BEGIN
  SELECT RAISE(ABORT, 'outbound_route_patterns.match: must be text') WHERE NEW.match IS NOT OLD.match AND (typeof(NEW.match) <> 'text');
  SELECT RAISE(ABORT, 'outbound_route_patterns.match: holds a line break or another control character') WHERE NEW.match IS NOT OLD.match AND (instr(CAST(NEW.match AS BLOB), x'00') > 0 OR NEW.match GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'outbound_route_patterns.match: must be 1 to 80 letters, digits and _ . + * # - [ ] !') WHERE NEW.match IS NOT OLD.match AND (NEW.match = '' OR NEW.match GLOB '*[^]0-9A-Za-z_.+*#[!-]*' OR length(NEW.match) > 80);
  SELECT RAISE(ABORT, 'outbound_route_patterns.prefix: must be text') WHERE NEW.prefix IS NOT OLD.prefix AND (typeof(NEW.prefix) <> 'text');
  SELECT RAISE(ABORT, 'outbound_route_patterns.prefix: holds a line break or another control character') WHERE NEW.prefix IS NOT OLD.prefix AND (instr(CAST(NEW.prefix AS BLOB), x'00') > 0 OR NEW.prefix GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'outbound_route_patterns.prefix: must be at most 20 of 0-9 * # +') WHERE NEW.prefix IS NOT OLD.prefix AND (NEW.prefix GLOB '*[^0-9*#+]*' OR length(NEW.prefix) > 20);
  SELECT RAISE(ABORT, 'outbound_route_patterns.prepend: must be text') WHERE NEW.prepend IS NOT OLD.prepend AND (typeof(NEW.prepend) <> 'text');
  SELECT RAISE(ABORT, 'outbound_route_patterns.prepend: holds a line break or another control character') WHERE NEW.prepend IS NOT OLD.prepend AND (instr(CAST(NEW.prepend AS BLOB), x'00') > 0 OR NEW.prepend GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'outbound_route_patterns.prepend: must be at most 20 of 0-9 * # +') WHERE NEW.prepend IS NOT OLD.prepend AND (NEW.prepend GLOB '*[^0-9*#+]*' OR length(NEW.prepend) > 20);
END;

CREATE TRIGGER sb_rules_outbound_route_trunks_insert BEFORE INSERT ON outbound_route_trunks
BEGIN
  SELECT RAISE(ABORT, 'outbound_route_trunks.trunk_name: must be text') WHERE typeof(NEW.trunk_name) <> 'text';
  SELECT RAISE(ABORT, 'outbound_route_trunks.trunk_name: holds a line break or another control character') WHERE instr(CAST(NEW.trunk_name AS BLOB), x'00') > 0 OR NEW.trunk_name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'outbound_route_trunks.trunk_name: must be 1 to 80 letters, digits, _ . and -, starting with a letter or digit') WHERE NEW.trunk_name = '' OR NEW.trunk_name GLOB '*[^0-9A-Za-z_.-]*' OR NEW.trunk_name GLOB '[_.-]*' OR length(NEW.trunk_name) > 80;
END;

CREATE TRIGGER sb_rules_outbound_route_trunks_update BEFORE UPDATE ON outbound_route_trunks
BEGIN
  SELECT RAISE(ABORT, 'outbound_route_trunks.trunk_name: must be text') WHERE NEW.trunk_name IS NOT OLD.trunk_name AND (typeof(NEW.trunk_name) <> 'text');
  SELECT RAISE(ABORT, 'outbound_route_trunks.trunk_name: holds a line break or another control character') WHERE NEW.trunk_name IS NOT OLD.trunk_name AND (instr(CAST(NEW.trunk_name AS BLOB), x'00') > 0 OR NEW.trunk_name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'outbound_route_trunks.trunk_name: must be 1 to 80 letters, digits, _ . and -, starting with a letter or digit') WHERE NEW.trunk_name IS NOT OLD.trunk_name AND (NEW.trunk_name = '' OR NEW.trunk_name GLOB '*[^0-9A-Za-z_.-]*' OR NEW.trunk_name GLOB '[_.-]*' OR length(NEW.trunk_name) > 80);
END;

CREATE TRIGGER sb_rules_ivrs_insert BEFORE INSERT ON ivrs
BEGIN
  SELECT RAISE(ABORT, 'ivrs.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'ivrs.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ivrs.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0;
  SELECT RAISE(ABORT, 'ivrs.name: is longer than 100 characters') WHERE length(NEW.name) > 100;
  SELECT RAISE(ABORT, 'ivrs.announcement: must be text') WHERE NEW.announcement <> '' AND (typeof(NEW.announcement) <> 'text');
  SELECT RAISE(ABORT, 'ivrs.announcement: holds a line break or another control character') WHERE NEW.announcement <> '' AND (instr(CAST(NEW.announcement AS BLOB), x'00') > 0 OR NEW.announcement GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ivrs.announcement: must be a sound file name (letters, digits and _ . / -)') WHERE NEW.announcement <> '' AND (NEW.announcement = '' OR NEW.announcement GLOB '*[^0-9A-Za-z_./-]*' OR length(NEW.announcement) > 255);
  SELECT RAISE(ABORT, 'ivrs.timeout: must be a whole number from 0 to 3600') WHERE typeof(NEW.timeout) <> 'integer' OR NEW.timeout < 0 OR NEW.timeout > 3600;
  SELECT RAISE(ABORT, 'ivrs.direct_dial: must be a whole number from 0 to 1') WHERE typeof(NEW.direct_dial) <> 'integer' OR NEW.direct_dial < 0 OR NEW.direct_dial > 1;
  SELECT RAISE(ABORT, 'ivrs.invalid_destination: must be text') WHERE typeof(NEW.invalid_destination) <> 'text';
  SELECT RAISE(ABORT, 'ivrs.invalid_destination: holds a line break or another control character') WHERE instr(CAST(NEW.invalid_destination AS BLOB), x'00') > 0 OR NEW.invalid_destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ivrs.invalid_destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.invalid_destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.invalid_destination GLOB ',*' OR NEW.invalid_destination GLOB '*,' OR instr(NEW.invalid_destination, ',,') > 0 OR length(NEW.invalid_destination) - length(replace(NEW.invalid_destination, ',', '')) > 2 OR length(NEW.invalid_destination) > 255;
  SELECT RAISE(ABORT, 'ivrs.timeout_destination: must be text') WHERE typeof(NEW.timeout_destination) <> 'text';
  SELECT RAISE(ABORT, 'ivrs.timeout_destination: holds a line break or another control character') WHERE instr(CAST(NEW.timeout_destination AS BLOB), x'00') > 0 OR NEW.timeout_destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ivrs.timeout_destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.timeout_destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.timeout_destination GLOB ',*' OR NEW.timeout_destination GLOB '*,' OR instr(NEW.timeout_destination, ',,') > 0 OR length(NEW.timeout_destination) - length(replace(NEW.timeout_destination, ',', '')) > 2 OR length(NEW.timeout_destination) > 255;
END;

CREATE TRIGGER sb_rules_ivrs_update BEFORE UPDATE ON ivrs
BEGIN
  SELECT RAISE(ABORT, 'ivrs.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'ivrs.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ivrs.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.name IS NOT OLD.name AND (instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0);
  SELECT RAISE(ABORT, 'ivrs.name: is longer than 100 characters') WHERE NEW.name IS NOT OLD.name AND (length(NEW.name) > 100);
  SELECT RAISE(ABORT, 'ivrs.announcement: must be text') WHERE NEW.announcement IS NOT OLD.announcement AND NEW.announcement <> '' AND (typeof(NEW.announcement) <> 'text');
  SELECT RAISE(ABORT, 'ivrs.announcement: holds a line break or another control character') WHERE NEW.announcement IS NOT OLD.announcement AND NEW.announcement <> '' AND (instr(CAST(NEW.announcement AS BLOB), x'00') > 0 OR NEW.announcement GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ivrs.announcement: must be a sound file name (letters, digits and _ . / -)') WHERE NEW.announcement IS NOT OLD.announcement AND NEW.announcement <> '' AND (NEW.announcement = '' OR NEW.announcement GLOB '*[^0-9A-Za-z_./-]*' OR length(NEW.announcement) > 255);
  SELECT RAISE(ABORT, 'ivrs.timeout: must be a whole number from 0 to 3600') WHERE NEW.timeout IS NOT OLD.timeout AND (typeof(NEW.timeout) <> 'integer' OR NEW.timeout < 0 OR NEW.timeout > 3600);
  SELECT RAISE(ABORT, 'ivrs.direct_dial: must be a whole number from 0 to 1') WHERE NEW.direct_dial IS NOT OLD.direct_dial AND (typeof(NEW.direct_dial) <> 'integer' OR NEW.direct_dial < 0 OR NEW.direct_dial > 1);
  SELECT RAISE(ABORT, 'ivrs.invalid_destination: must be text') WHERE NEW.invalid_destination IS NOT OLD.invalid_destination AND (typeof(NEW.invalid_destination) <> 'text');
  SELECT RAISE(ABORT, 'ivrs.invalid_destination: holds a line break or another control character') WHERE NEW.invalid_destination IS NOT OLD.invalid_destination AND (instr(CAST(NEW.invalid_destination AS BLOB), x'00') > 0 OR NEW.invalid_destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ivrs.invalid_destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.invalid_destination IS NOT OLD.invalid_destination AND (NEW.invalid_destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.invalid_destination GLOB ',*' OR NEW.invalid_destination GLOB '*,' OR instr(NEW.invalid_destination, ',,') > 0 OR length(NEW.invalid_destination) - length(replace(NEW.invalid_destination, ',', '')) > 2 OR length(NEW.invalid_destination) > 255);
  SELECT RAISE(ABORT, 'ivrs.timeout_destination: must be text') WHERE NEW.timeout_destination IS NOT OLD.timeout_destination AND (typeof(NEW.timeout_destination) <> 'text');
  SELECT RAISE(ABORT, 'ivrs.timeout_destination: holds a line break or another control character') WHERE NEW.timeout_destination IS NOT OLD.timeout_destination AND (instr(CAST(NEW.timeout_destination AS BLOB), x'00') > 0 OR NEW.timeout_destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ivrs.timeout_destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.timeout_destination IS NOT OLD.timeout_destination AND (NEW.timeout_destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.timeout_destination GLOB ',*' OR NEW.timeout_destination GLOB '*,' OR instr(NEW.timeout_destination, ',,') > 0 OR length(NEW.timeout_destination) - length(replace(NEW.timeout_destination, ',', '')) > 2 OR length(NEW.timeout_destination) > 255);
END;

CREATE TRIGGER sb_rules_ivr_entries_insert BEFORE INSERT ON ivr_entries
BEGIN
  SELECT RAISE(ABORT, 'ivr_entries.digits: must be text') WHERE typeof(NEW.digits) <> 'text';
  SELECT RAISE(ABORT, 'ivr_entries.digits: holds a line break or another control character') WHERE instr(CAST(NEW.digits AS BLOB), x'00') > 0 OR NEW.digits GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ivr_entries.digits: must be 1 to 10 of the keys 0-9 * #') WHERE NEW.digits = '' OR NEW.digits GLOB '*[^0-9*#]*' OR length(NEW.digits) > 10;
  SELECT RAISE(ABORT, 'ivr_entries.destination: must be text') WHERE typeof(NEW.destination) <> 'text';
  SELECT RAISE(ABORT, 'ivr_entries.destination: holds a line break or another control character') WHERE instr(CAST(NEW.destination AS BLOB), x'00') > 0 OR NEW.destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'ivr_entries.destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination GLOB ',*' OR NEW.destination GLOB '*,' OR instr(NEW.destination, ',,') > 0 OR length(NEW.destination) - length(replace(NEW.destination, ',', '')) > 2 OR length(NEW.destination) > 255;
END;

CREATE TRIGGER sb_rules_ivr_entries_update BEFORE UPDATE ON ivr_entries
BEGIN
  SELECT RAISE(ABORT, 'ivr_entries.digits: must be text') WHERE NEW.digits IS NOT OLD.digits AND (typeof(NEW.digits) <> 'text');
  SELECT RAISE(ABORT, 'ivr_entries.digits: holds a line break or another control character') WHERE NEW.digits IS NOT OLD.digits AND (instr(CAST(NEW.digits AS BLOB), x'00') > 0 OR NEW.digits GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ivr_entries.digits: must be 1 to 10 of the keys 0-9 * #') WHERE NEW.digits IS NOT OLD.digits AND (NEW.digits = '' OR NEW.digits GLOB '*[^0-9*#]*' OR length(NEW.digits) > 10);
  SELECT RAISE(ABORT, 'ivr_entries.destination: must be text') WHERE NEW.destination IS NOT OLD.destination AND (typeof(NEW.destination) <> 'text');
  SELECT RAISE(ABORT, 'ivr_entries.destination: holds a line break or another control character') WHERE NEW.destination IS NOT OLD.destination AND (instr(CAST(NEW.destination AS BLOB), x'00') > 0 OR NEW.destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'ivr_entries.destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination IS NOT OLD.destination AND (NEW.destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination GLOB ',*' OR NEW.destination GLOB '*,' OR instr(NEW.destination, ',,') > 0 OR length(NEW.destination) - length(replace(NEW.destination, ',', '')) > 2 OR length(NEW.destination) > 255);
END;

CREATE TRIGGER sb_rules_day_timers_insert BEFORE INSERT ON day_timers
BEGIN
  SELECT RAISE(ABORT, 'day_timers.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'day_timers.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'day_timers.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0;
  SELECT RAISE(ABORT, 'day_timers.name: is longer than 100 characters') WHERE length(NEW.name) > 100;
  SELECT RAISE(ABORT, 'day_timers.weekdays: must be text') WHERE typeof(NEW.weekdays) <> 'text';
  SELECT RAISE(ABORT, 'day_timers.weekdays: holds a line break or another control character') WHERE instr(CAST(NEW.weekdays AS BLOB), x'00') > 0 OR NEW.weekdays GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'day_timers.weekdays: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.weekdays, '${') > 0 OR instr(NEW.weekdays, '$[') > 0;
  SELECT RAISE(ABORT, 'day_timers.weekdays: is longer than 40 characters') WHERE length(NEW.weekdays) > 40;
  SELECT RAISE(ABORT, 'day_timers.begin_time: must be text') WHERE typeof(NEW.begin_time) <> 'text';
  SELECT RAISE(ABORT, 'day_timers.begin_time: holds a line break or another control character') WHERE instr(CAST(NEW.begin_time AS BLOB), x'00') > 0 OR NEW.begin_time GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'day_timers.begin_time: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.begin_time, '${') > 0 OR instr(NEW.begin_time, '$[') > 0;
  SELECT RAISE(ABORT, 'day_timers.begin_time: is longer than 8 characters') WHERE length(NEW.begin_time) > 8;
  SELECT RAISE(ABORT, 'day_timers.end_time: must be text') WHERE typeof(NEW.end_time) <> 'text';
  SELECT RAISE(ABORT, 'day_timers.end_time: holds a line break or another control character') WHERE instr(CAST(NEW.end_time AS BLOB), x'00') > 0 OR NEW.end_time GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'day_timers.end_time: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.end_time, '${') > 0 OR instr(NEW.end_time, '$[') > 0;
  SELECT RAISE(ABORT, 'day_timers.end_time: is longer than 8 characters') WHERE length(NEW.end_time) > 8;
  SELECT RAISE(ABORT, 'day_timers.state: must be one of auto, open, closed') WHERE typeof(NEW.state) <> 'text' OR NEW.state NOT IN ('auto', 'open', 'closed');
  SELECT RAISE(ABORT, 'day_timers.destination_open: must be text') WHERE typeof(NEW.destination_open) <> 'text';
  SELECT RAISE(ABORT, 'day_timers.destination_open: holds a line break or another control character') WHERE instr(CAST(NEW.destination_open AS BLOB), x'00') > 0 OR NEW.destination_open GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'day_timers.destination_open: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination_open GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination_open GLOB ',*' OR NEW.destination_open GLOB '*,' OR instr(NEW.destination_open, ',,') > 0 OR length(NEW.destination_open) - length(replace(NEW.destination_open, ',', '')) > 2 OR length(NEW.destination_open) > 255;
  SELECT RAISE(ABORT, 'day_timers.destination_closed: must be text') WHERE typeof(NEW.destination_closed) <> 'text';
  SELECT RAISE(ABORT, 'day_timers.destination_closed: holds a line break or another control character') WHERE instr(CAST(NEW.destination_closed AS BLOB), x'00') > 0 OR NEW.destination_closed GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'day_timers.destination_closed: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination_closed GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination_closed GLOB ',*' OR NEW.destination_closed GLOB '*,' OR instr(NEW.destination_closed, ',,') > 0 OR length(NEW.destination_closed) - length(replace(NEW.destination_closed, ',', '')) > 2 OR length(NEW.destination_closed) > 255;
END;

CREATE TRIGGER sb_rules_day_timers_update BEFORE UPDATE ON day_timers
BEGIN
  SELECT RAISE(ABORT, 'day_timers.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'day_timers.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'day_timers.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.name IS NOT OLD.name AND (instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0);
  SELECT RAISE(ABORT, 'day_timers.name: is longer than 100 characters') WHERE NEW.name IS NOT OLD.name AND (length(NEW.name) > 100);
  SELECT RAISE(ABORT, 'day_timers.weekdays: must be text') WHERE NEW.weekdays IS NOT OLD.weekdays AND (typeof(NEW.weekdays) <> 'text');
  SELECT RAISE(ABORT, 'day_timers.weekdays: holds a line break or another control character') WHERE NEW.weekdays IS NOT OLD.weekdays AND (instr(CAST(NEW.weekdays AS BLOB), x'00') > 0 OR NEW.weekdays GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'day_timers.weekdays: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.weekdays IS NOT OLD.weekdays AND (instr(NEW.weekdays, '${') > 0 OR instr(NEW.weekdays, '$[') > 0);
  SELECT RAISE(ABORT, 'day_timers.weekdays: is longer than 40 characters') WHERE NEW.weekdays IS NOT OLD.weekdays AND (length(NEW.weekdays) > 40);
  SELECT RAISE(ABORT, 'day_timers.begin_time: must be text') WHERE NEW.begin_time IS NOT OLD.begin_time AND (typeof(NEW.begin_time) <> 'text');
  SELECT RAISE(ABORT, 'day_timers.begin_time: holds a line break or another control character') WHERE NEW.begin_time IS NOT OLD.begin_time AND (instr(CAST(NEW.begin_time AS BLOB), x'00') > 0 OR NEW.begin_time GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'day_timers.begin_time: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.begin_time IS NOT OLD.begin_time AND (instr(NEW.begin_time, '${') > 0 OR instr(NEW.begin_time, '$[') > 0);
  SELECT RAISE(ABORT, 'day_timers.begin_time: is longer than 8 characters') WHERE NEW.begin_time IS NOT OLD.begin_time AND (length(NEW.begin_time) > 8);
  SELECT RAISE(ABORT, 'day_timers.end_time: must be text') WHERE NEW.end_time IS NOT OLD.end_time AND (typeof(NEW.end_time) <> 'text');
  SELECT RAISE(ABORT, 'day_timers.end_time: holds a line break or another control character') WHERE NEW.end_time IS NOT OLD.end_time AND (instr(CAST(NEW.end_time AS BLOB), x'00') > 0 OR NEW.end_time GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'day_timers.end_time: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.end_time IS NOT OLD.end_time AND (instr(NEW.end_time, '${') > 0 OR instr(NEW.end_time, '$[') > 0);
  SELECT RAISE(ABORT, 'day_timers.end_time: is longer than 8 characters') WHERE NEW.end_time IS NOT OLD.end_time AND (length(NEW.end_time) > 8);
  SELECT RAISE(ABORT, 'day_timers.state: must be one of auto, open, closed') WHERE NEW.state IS NOT OLD.state AND (typeof(NEW.state) <> 'text' OR NEW.state NOT IN ('auto', 'open', 'closed'));
  SELECT RAISE(ABORT, 'day_timers.destination_open: must be text') WHERE NEW.destination_open IS NOT OLD.destination_open AND (typeof(NEW.destination_open) <> 'text');
  SELECT RAISE(ABORT, 'day_timers.destination_open: holds a line break or another control character') WHERE NEW.destination_open IS NOT OLD.destination_open AND (instr(CAST(NEW.destination_open AS BLOB), x'00') > 0 OR NEW.destination_open GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'day_timers.destination_open: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination_open IS NOT OLD.destination_open AND (NEW.destination_open GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination_open GLOB ',*' OR NEW.destination_open GLOB '*,' OR instr(NEW.destination_open, ',,') > 0 OR length(NEW.destination_open) - length(replace(NEW.destination_open, ',', '')) > 2 OR length(NEW.destination_open) > 255);
  SELECT RAISE(ABORT, 'day_timers.destination_closed: must be text') WHERE NEW.destination_closed IS NOT OLD.destination_closed AND (typeof(NEW.destination_closed) <> 'text');
  SELECT RAISE(ABORT, 'day_timers.destination_closed: holds a line break or another control character') WHERE NEW.destination_closed IS NOT OLD.destination_closed AND (instr(CAST(NEW.destination_closed AS BLOB), x'00') > 0 OR NEW.destination_closed GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'day_timers.destination_closed: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination_closed IS NOT OLD.destination_closed AND (NEW.destination_closed GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination_closed GLOB ',*' OR NEW.destination_closed GLOB '*,' OR instr(NEW.destination_closed, ',,') > 0 OR length(NEW.destination_closed) - length(replace(NEW.destination_closed, ',', '')) > 2 OR length(NEW.destination_closed) > 255);
END;

CREATE TRIGGER sb_rules_holiday_timers_insert BEFORE INSERT ON holiday_timers
BEGIN
  SELECT RAISE(ABORT, 'holiday_timers.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'holiday_timers.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'holiday_timers.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0;
  SELECT RAISE(ABORT, 'holiday_timers.name: is longer than 100 characters') WHERE length(NEW.name) > 100;
  SELECT RAISE(ABORT, 'holiday_timers.starts: must be text') WHERE typeof(NEW.starts) <> 'text';
  SELECT RAISE(ABORT, 'holiday_timers.starts: holds a line break or another control character') WHERE instr(CAST(NEW.starts AS BLOB), x'00') > 0 OR NEW.starts GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'holiday_timers.starts: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.starts, '${') > 0 OR instr(NEW.starts, '$[') > 0;
  SELECT RAISE(ABORT, 'holiday_timers.starts: is longer than 19 characters') WHERE length(NEW.starts) > 19;
  SELECT RAISE(ABORT, 'holiday_timers.ends: must be text') WHERE typeof(NEW.ends) <> 'text';
  SELECT RAISE(ABORT, 'holiday_timers.ends: holds a line break or another control character') WHERE instr(CAST(NEW.ends AS BLOB), x'00') > 0 OR NEW.ends GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'holiday_timers.ends: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.ends, '${') > 0 OR instr(NEW.ends, '$[') > 0;
  SELECT RAISE(ABORT, 'holiday_timers.ends: is longer than 19 characters') WHERE length(NEW.ends) > 19;
  SELECT RAISE(ABORT, 'holiday_timers.destination: must be text') WHERE typeof(NEW.destination) <> 'text';
  SELECT RAISE(ABORT, 'holiday_timers.destination: holds a line break or another control character') WHERE instr(CAST(NEW.destination AS BLOB), x'00') > 0 OR NEW.destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'holiday_timers.destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination GLOB ',*' OR NEW.destination GLOB '*,' OR instr(NEW.destination, ',,') > 0 OR length(NEW.destination) - length(replace(NEW.destination, ',', '')) > 2 OR length(NEW.destination) > 255;
END;

CREATE TRIGGER sb_rules_holiday_timers_update BEFORE UPDATE ON holiday_timers
BEGIN
  SELECT RAISE(ABORT, 'holiday_timers.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'holiday_timers.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'holiday_timers.name: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.name IS NOT OLD.name AND (instr(NEW.name, '${') > 0 OR instr(NEW.name, '$[') > 0);
  SELECT RAISE(ABORT, 'holiday_timers.name: is longer than 100 characters') WHERE NEW.name IS NOT OLD.name AND (length(NEW.name) > 100);
  SELECT RAISE(ABORT, 'holiday_timers.starts: must be text') WHERE NEW.starts IS NOT OLD.starts AND (typeof(NEW.starts) <> 'text');
  SELECT RAISE(ABORT, 'holiday_timers.starts: holds a line break or another control character') WHERE NEW.starts IS NOT OLD.starts AND (instr(CAST(NEW.starts AS BLOB), x'00') > 0 OR NEW.starts GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'holiday_timers.starts: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.starts IS NOT OLD.starts AND (instr(NEW.starts, '${') > 0 OR instr(NEW.starts, '$[') > 0);
  SELECT RAISE(ABORT, 'holiday_timers.starts: is longer than 19 characters') WHERE NEW.starts IS NOT OLD.starts AND (length(NEW.starts) > 19);
  SELECT RAISE(ABORT, 'holiday_timers.ends: must be text') WHERE NEW.ends IS NOT OLD.ends AND (typeof(NEW.ends) <> 'text');
  SELECT RAISE(ABORT, 'holiday_timers.ends: holds a line break or another control character') WHERE NEW.ends IS NOT OLD.ends AND (instr(CAST(NEW.ends AS BLOB), x'00') > 0 OR NEW.ends GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'holiday_timers.ends: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.ends IS NOT OLD.ends AND (instr(NEW.ends, '${') > 0 OR instr(NEW.ends, '$[') > 0);
  SELECT RAISE(ABORT, 'holiday_timers.ends: is longer than 19 characters') WHERE NEW.ends IS NOT OLD.ends AND (length(NEW.ends) > 19);
  SELECT RAISE(ABORT, 'holiday_timers.destination: must be text') WHERE NEW.destination IS NOT OLD.destination AND (typeof(NEW.destination) <> 'text');
  SELECT RAISE(ABORT, 'holiday_timers.destination: holds a line break or another control character') WHERE NEW.destination IS NOT OLD.destination AND (instr(CAST(NEW.destination AS BLOB), x'00') > 0 OR NEW.destination GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'holiday_timers.destination: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination IS NOT OLD.destination AND (NEW.destination GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination GLOB ',*' OR NEW.destination GLOB '*,' OR instr(NEW.destination, ',,') > 0 OR length(NEW.destination) - length(replace(NEW.destination, ',', '')) > 2 OR length(NEW.destination) > 255);
END;

CREATE TRIGGER sb_rules_voicemail_insert BEFORE INSERT ON voicemail
BEGIN
  SELECT RAISE(ABORT, 'voicemail.context: must be text') WHERE typeof(NEW.context) <> 'text';
  SELECT RAISE(ABORT, 'voicemail.context: holds a line break or another control character') WHERE instr(CAST(NEW.context AS BLOB), x'00') > 0 OR NEW.context GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'voicemail.context: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.context = '' OR NEW.context GLOB '*[^0-9A-Za-z_-]*' OR NEW.context GLOB '[_-]*' OR length(NEW.context) > 80;
  SELECT RAISE(ABORT, 'voicemail.context: is the name of its file''s settings section') WHERE lower(NEW.context) IN ('general', 'zonemessages');
  SELECT RAISE(ABORT, 'voicemail.mailbox: must be text') WHERE typeof(NEW.mailbox) <> 'text';
  SELECT RAISE(ABORT, 'voicemail.mailbox: holds a line break or another control character') WHERE instr(CAST(NEW.mailbox AS BLOB), x'00') > 0 OR NEW.mailbox GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'voicemail.mailbox: must be 1 to 20 digits') WHERE NEW.mailbox = '' OR NEW.mailbox GLOB '*[^0-9]*' OR length(NEW.mailbox) > 20;
  SELECT RAISE(ABORT, 'voicemail.password: must be text') WHERE typeof(NEW.password) <> 'text';
  SELECT RAISE(ABORT, 'voicemail.password: holds a line break or another control character') WHERE instr(CAST(NEW.password AS BLOB), x'00') > 0 OR NEW.password GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'voicemail.password: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.password, '${') > 0 OR instr(NEW.password, '$[') > 0;
  SELECT RAISE(ABORT, 'voicemail.password: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.password, 1, 1) = ' ' OR substr(NEW.password, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'voicemail.password: holds `,` or `|`, which separate the fields of its line') WHERE NEW.password GLOB '*[,|]*';
  SELECT RAISE(ABORT, 'voicemail.password: is longer than 80 characters') WHERE length(NEW.password) > 80;
  SELECT RAISE(ABORT, 'voicemail.fullname: must be text') WHERE typeof(NEW.fullname) <> 'text';
  SELECT RAISE(ABORT, 'voicemail.fullname: holds a line break or another control character') WHERE instr(CAST(NEW.fullname AS BLOB), x'00') > 0 OR NEW.fullname GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'voicemail.fullname: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.fullname, '${') > 0 OR instr(NEW.fullname, '$[') > 0;
  SELECT RAISE(ABORT, 'voicemail.fullname: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.fullname, 1, 1) = ' ' OR substr(NEW.fullname, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'voicemail.fullname: holds `,` or `|`, which separate the fields of its line') WHERE NEW.fullname GLOB '*[,|]*';
  SELECT RAISE(ABORT, 'voicemail.fullname: is longer than 100 characters') WHERE length(NEW.fullname) > 100;
  SELECT RAISE(ABORT, 'voicemail.email: must be text') WHERE typeof(NEW.email) <> 'text';
  SELECT RAISE(ABORT, 'voicemail.email: holds a line break or another control character') WHERE instr(CAST(NEW.email AS BLOB), x'00') > 0 OR NEW.email GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'voicemail.email: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.email, '${') > 0 OR instr(NEW.email, '$[') > 0;
  SELECT RAISE(ABORT, 'voicemail.email: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.email, 1, 1) = ' ' OR substr(NEW.email, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'voicemail.email: holds `,` or `|`, which separate the fields of its line') WHERE NEW.email GLOB '*[,|]*';
  SELECT RAISE(ABORT, 'voicemail.email: is longer than 255 characters') WHERE length(NEW.email) > 255;
  SELECT RAISE(ABORT, 'voicemail.pager: must be text') WHERE typeof(NEW.pager) <> 'text';
  SELECT RAISE(ABORT, 'voicemail.pager: holds a line break or another control character') WHERE instr(CAST(NEW.pager AS BLOB), x'00') > 0 OR NEW.pager GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'voicemail.pager: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.pager, '${') > 0 OR instr(NEW.pager, '$[') > 0;
  SELECT RAISE(ABORT, 'voicemail.pager: starts or ends with a space, which Asterisk would drop') WHERE substr(NEW.pager, 1, 1) = ' ' OR substr(NEW.pager, -1, 1) = ' ';
  SELECT RAISE(ABORT, 'voicemail.pager: holds `,` or `|`, which separate the fields of its line') WHERE NEW.pager GLOB '*[,|]*';
  SELECT RAISE(ABORT, 'voicemail.pager: is longer than 255 characters') WHERE length(NEW.pager) > 255;
  SELECT RAISE(ABORT, 'voicemail.attach: must be one of yes, no') WHERE typeof(NEW.attach) <> 'text' OR NEW.attach NOT IN ('yes', 'no');
  SELECT RAISE(ABORT, 'voicemail.delete_after_email: must be one of yes, no') WHERE typeof(NEW.delete_after_email) <> 'text' OR NEW.delete_after_email NOT IN ('yes', 'no');
END;

CREATE TRIGGER sb_rules_voicemail_update BEFORE UPDATE ON voicemail
BEGIN
  SELECT RAISE(ABORT, 'voicemail.context: must be text') WHERE NEW.context IS NOT OLD.context AND (typeof(NEW.context) <> 'text');
  SELECT RAISE(ABORT, 'voicemail.context: holds a line break or another control character') WHERE NEW.context IS NOT OLD.context AND (instr(CAST(NEW.context AS BLOB), x'00') > 0 OR NEW.context GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'voicemail.context: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.context IS NOT OLD.context AND (NEW.context = '' OR NEW.context GLOB '*[^0-9A-Za-z_-]*' OR NEW.context GLOB '[_-]*' OR length(NEW.context) > 80);
  SELECT RAISE(ABORT, 'voicemail.context: is the name of its file''s settings section') WHERE NEW.context IS NOT OLD.context AND (lower(NEW.context) IN ('general', 'zonemessages'));
  SELECT RAISE(ABORT, 'voicemail.mailbox: must be text') WHERE NEW.mailbox IS NOT OLD.mailbox AND (typeof(NEW.mailbox) <> 'text');
  SELECT RAISE(ABORT, 'voicemail.mailbox: holds a line break or another control character') WHERE NEW.mailbox IS NOT OLD.mailbox AND (instr(CAST(NEW.mailbox AS BLOB), x'00') > 0 OR NEW.mailbox GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'voicemail.mailbox: must be 1 to 20 digits') WHERE NEW.mailbox IS NOT OLD.mailbox AND (NEW.mailbox = '' OR NEW.mailbox GLOB '*[^0-9]*' OR length(NEW.mailbox) > 20);
  SELECT RAISE(ABORT, 'voicemail.password: must be text') WHERE NEW.password IS NOT OLD.password AND (typeof(NEW.password) <> 'text');
  SELECT RAISE(ABORT, 'voicemail.password: holds a line break or another control character') WHERE NEW.password IS NOT OLD.password AND (instr(CAST(NEW.password AS BLOB), x'00') > 0 OR NEW.password GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'voicemail.password: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.password IS NOT OLD.password AND (instr(NEW.password, '${') > 0 OR instr(NEW.password, '$[') > 0);
  SELECT RAISE(ABORT, 'voicemail.password: starts or ends with a space, which Asterisk would drop') WHERE NEW.password IS NOT OLD.password AND (substr(NEW.password, 1, 1) = ' ' OR substr(NEW.password, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'voicemail.password: holds `,` or `|`, which separate the fields of its line') WHERE NEW.password IS NOT OLD.password AND (NEW.password GLOB '*[,|]*');
  SELECT RAISE(ABORT, 'voicemail.password: is longer than 80 characters') WHERE NEW.password IS NOT OLD.password AND (length(NEW.password) > 80);
  SELECT RAISE(ABORT, 'voicemail.fullname: must be text') WHERE NEW.fullname IS NOT OLD.fullname AND (typeof(NEW.fullname) <> 'text');
  SELECT RAISE(ABORT, 'voicemail.fullname: holds a line break or another control character') WHERE NEW.fullname IS NOT OLD.fullname AND (instr(CAST(NEW.fullname AS BLOB), x'00') > 0 OR NEW.fullname GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'voicemail.fullname: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.fullname IS NOT OLD.fullname AND (instr(NEW.fullname, '${') > 0 OR instr(NEW.fullname, '$[') > 0);
  SELECT RAISE(ABORT, 'voicemail.fullname: starts or ends with a space, which Asterisk would drop') WHERE NEW.fullname IS NOT OLD.fullname AND (substr(NEW.fullname, 1, 1) = ' ' OR substr(NEW.fullname, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'voicemail.fullname: holds `,` or `|`, which separate the fields of its line') WHERE NEW.fullname IS NOT OLD.fullname AND (NEW.fullname GLOB '*[,|]*');
  SELECT RAISE(ABORT, 'voicemail.fullname: is longer than 100 characters') WHERE NEW.fullname IS NOT OLD.fullname AND (length(NEW.fullname) > 100);
  SELECT RAISE(ABORT, 'voicemail.email: must be text') WHERE NEW.email IS NOT OLD.email AND (typeof(NEW.email) <> 'text');
  SELECT RAISE(ABORT, 'voicemail.email: holds a line break or another control character') WHERE NEW.email IS NOT OLD.email AND (instr(CAST(NEW.email AS BLOB), x'00') > 0 OR NEW.email GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'voicemail.email: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.email IS NOT OLD.email AND (instr(NEW.email, '${') > 0 OR instr(NEW.email, '$[') > 0);
  SELECT RAISE(ABORT, 'voicemail.email: starts or ends with a space, which Asterisk would drop') WHERE NEW.email IS NOT OLD.email AND (substr(NEW.email, 1, 1) = ' ' OR substr(NEW.email, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'voicemail.email: holds `,` or `|`, which separate the fields of its line') WHERE NEW.email IS NOT OLD.email AND (NEW.email GLOB '*[,|]*');
  SELECT RAISE(ABORT, 'voicemail.email: is longer than 255 characters') WHERE NEW.email IS NOT OLD.email AND (length(NEW.email) > 255);
  SELECT RAISE(ABORT, 'voicemail.pager: must be text') WHERE NEW.pager IS NOT OLD.pager AND (typeof(NEW.pager) <> 'text');
  SELECT RAISE(ABORT, 'voicemail.pager: holds a line break or another control character') WHERE NEW.pager IS NOT OLD.pager AND (instr(CAST(NEW.pager AS BLOB), x'00') > 0 OR NEW.pager GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'voicemail.pager: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.pager IS NOT OLD.pager AND (instr(NEW.pager, '${') > 0 OR instr(NEW.pager, '$[') > 0);
  SELECT RAISE(ABORT, 'voicemail.pager: starts or ends with a space, which Asterisk would drop') WHERE NEW.pager IS NOT OLD.pager AND (substr(NEW.pager, 1, 1) = ' ' OR substr(NEW.pager, -1, 1) = ' ');
  SELECT RAISE(ABORT, 'voicemail.pager: holds `,` or `|`, which separate the fields of its line') WHERE NEW.pager IS NOT OLD.pager AND (NEW.pager GLOB '*[,|]*');
  SELECT RAISE(ABORT, 'voicemail.pager: is longer than 255 characters') WHERE NEW.pager IS NOT OLD.pager AND (length(NEW.pager) > 255);
  SELECT RAISE(ABORT, 'voicemail.attach: must be one of yes, no') WHERE NEW.attach IS NOT OLD.attach AND (typeof(NEW.attach) <> 'text' OR NEW.attach NOT IN ('yes', 'no'));
  SELECT RAISE(ABORT, 'voicemail.delete_after_email: must be one of yes, no') WHERE NEW.delete_after_email IS NOT OLD.delete_after_email AND (typeof(NEW.delete_after_email) <> 'text' OR NEW.delete_after_email NOT IN ('yes', 'no'));
END;

CREATE TRIGGER sb_rules_astdb_insert BEFORE INSERT ON astdb
BEGIN
  SELECT RAISE(ABORT, 'astdb.family: must be text') WHERE typeof(NEW.family) <> 'text';
  SELECT RAISE(ABORT, 'astdb.family: holds a line break or another control character') WHERE instr(CAST(NEW.family AS BLOB), x'00') > 0 OR NEW.family GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'astdb.family: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.family, '${') > 0 OR instr(NEW.family, '$[') > 0;
  SELECT RAISE(ABORT, 'astdb.family: is longer than 80 characters') WHERE length(NEW.family) > 80;
  SELECT RAISE(ABORT, 'astdb.key: must be text') WHERE typeof(NEW.key) <> 'text';
  SELECT RAISE(ABORT, 'astdb.key: holds a line break or another control character') WHERE instr(CAST(NEW.key AS BLOB), x'00') > 0 OR NEW.key GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'astdb.key: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.key, '${') > 0 OR instr(NEW.key, '$[') > 0;
  SELECT RAISE(ABORT, 'astdb.key: is longer than 80 characters') WHERE length(NEW.key) > 80;
  SELECT RAISE(ABORT, 'astdb.value: must be text') WHERE typeof(NEW.value) <> 'text';
  SELECT RAISE(ABORT, 'astdb.value: holds a line break or another control character') WHERE instr(CAST(NEW.value AS BLOB), x'00') > 0 OR NEW.value GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'astdb.value: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.value, '${') > 0 OR instr(NEW.value, '$[') > 0;
  SELECT RAISE(ABORT, 'astdb.value: is longer than 255 characters') WHERE length(NEW.value) > 255;
END;

CREATE TRIGGER sb_rules_astdb_update BEFORE UPDATE ON astdb
BEGIN
  SELECT RAISE(ABORT, 'astdb.family: must be text') WHERE NEW.family IS NOT OLD.family AND (typeof(NEW.family) <> 'text');
  SELECT RAISE(ABORT, 'astdb.family: holds a line break or another control character') WHERE NEW.family IS NOT OLD.family AND (instr(CAST(NEW.family AS BLOB), x'00') > 0 OR NEW.family GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'astdb.family: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.family IS NOT OLD.family AND (instr(NEW.family, '${') > 0 OR instr(NEW.family, '$[') > 0);
  SELECT RAISE(ABORT, 'astdb.family: is longer than 80 characters') WHERE NEW.family IS NOT OLD.family AND (length(NEW.family) > 80);
  SELECT RAISE(ABORT, 'astdb.key: must be text') WHERE NEW.key IS NOT OLD.key AND (typeof(NEW.key) <> 'text');
  SELECT RAISE(ABORT, 'astdb.key: holds a line break or another control character') WHERE NEW.key IS NOT OLD.key AND (instr(CAST(NEW.key AS BLOB), x'00') > 0 OR NEW.key GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'astdb.key: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.key IS NOT OLD.key AND (instr(NEW.key, '${') > 0 OR instr(NEW.key, '$[') > 0);
  SELECT RAISE(ABORT, 'astdb.key: is longer than 80 characters') WHERE NEW.key IS NOT OLD.key AND (length(NEW.key) > 80);
  SELECT RAISE(ABORT, 'astdb.value: must be text') WHERE NEW.value IS NOT OLD.value AND (typeof(NEW.value) <> 'text');
  SELECT RAISE(ABORT, 'astdb.value: holds a line break or another control character') WHERE NEW.value IS NOT OLD.value AND (instr(CAST(NEW.value AS BLOB), x'00') > 0 OR NEW.value GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'astdb.value: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.value IS NOT OLD.value AND (instr(NEW.value, '${') > 0 OR instr(NEW.value, '$[') > 0);
  SELECT RAISE(ABORT, 'astdb.value: is longer than 255 characters') WHERE NEW.value IS NOT OLD.value AND (length(NEW.value) > 255);
END;
