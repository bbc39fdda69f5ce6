-- Switchboard PBX model, version 6: what SARK configures — a tenant's open/closed override, day
-- timers by month day and month, inbound routes that route differently while closed, custom
-- dialplan applications, and classes of service that bar an extension from numbers by the hour.
--
-- Every configuration column is held to its shape as in version 4 (`sb_rules_<table>_…`
-- triggers, `<table>.<column>: <why>`, in the order of the SDK's `schema::RULES`). The new columns
-- of existing tables get triggers of their own (`sb_rules_<table>_v6_…`), which judge only those
-- columns, so a row written before them keeps working while it is edited. `day_timers.weekdays`
-- already admits `*` (any day) as text; the renderer checks every time field's form
-- (`HH:MM`, `mon-fri`, `1-15`, `jan-mar`) and leaves a timer it cannot read out, reported.

ALTER TABLE tenants ADD COLUMN open_state TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE day_timers ADD COLUMN month_days TEXT NOT NULL DEFAULT '*';
ALTER TABLE day_timers ADD COLUMN months TEXT NOT NULL DEFAULT '*';
ALTER TABLE day_timers ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_routes ADD COLUMN destination_closed TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_routes ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;

-- Custom applications: dialplan steps run in order at `switchboard-apps,<name>,1`.
CREATE TABLE custom_apps (
  name        TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  span        TEXT NOT NULL DEFAULT 'neither',
  tenant_id   INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id)
);

CREATE TABLE custom_app_steps (
  app_name    TEXT NOT NULL REFERENCES custom_apps (name) ON DELETE CASCADE ON UPDATE CASCADE,
  position    INTEGER NOT NULL,
  application TEXT NOT NULL,
  arguments   TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (app_name, position)
);

-- Classes of service: numbers (patterns) an extension assigned the rule may not call while its
-- tenant is open, or closed.
CREATE TABLE cos_rules (
  name        TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  tenant_id   INTEGER NOT NULL DEFAULT 1 REFERENCES tenants (id)
);

CREATE TABLE cos_rule_patterns (
  rule_name TEXT NOT NULL REFERENCES cos_rules (name) ON DELETE CASCADE ON UPDATE CASCADE,
  pattern   TEXT NOT NULL,
  PRIMARY KEY (rule_name, pattern)
);

CREATE TABLE cos_assignments (
  extension TEXT NOT NULL REFERENCES extensions (number) ON DELETE CASCADE ON UPDATE CASCADE,
  rule_name TEXT NOT NULL REFERENCES cos_rules (name) ON DELETE CASCADE ON UPDATE CASCADE,
  hours     TEXT NOT NULL,
  PRIMARY KEY (extension, rule_name, hours)
);

CREATE TRIGGER sb_rules_tenants_v6_insert BEFORE INSERT ON tenants
BEGIN
  SELECT RAISE(ABORT, 'tenants.open_state: must be one of auto, open, closed') WHERE typeof(NEW.open_state) <> 'text' OR NEW.open_state NOT IN ('auto', 'open', 'closed');
END;

CREATE TRIGGER sb_rules_tenants_v6_update BEFORE UPDATE ON tenants
BEGIN
  SELECT RAISE(ABORT, 'tenants.open_state: must be one of auto, open, closed') WHERE NEW.open_state IS NOT OLD.open_state AND (typeof(NEW.open_state) <> 'text' OR NEW.open_state NOT IN ('auto', 'open', 'closed'));
END;

CREATE TRIGGER sb_rules_day_timers_v6_insert BEFORE INSERT ON day_timers
BEGIN
  SELECT RAISE(ABORT, 'day_timers.month_days: must be text') WHERE typeof(NEW.month_days) <> 'text';
  SELECT RAISE(ABORT, 'day_timers.month_days: holds a line break or another control character') WHERE instr(CAST(NEW.month_days AS BLOB), x'00') > 0 OR NEW.month_days GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'day_timers.month_days: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.month_days, '${') > 0 OR instr(NEW.month_days, '$[') > 0;
  SELECT RAISE(ABORT, 'day_timers.month_days: is longer than 40 characters') WHERE length(NEW.month_days) > 40;
  SELECT RAISE(ABORT, 'day_timers.months: must be text') WHERE typeof(NEW.months) <> 'text';
  SELECT RAISE(ABORT, 'day_timers.months: holds a line break or another control character') WHERE instr(CAST(NEW.months AS BLOB), x'00') > 0 OR NEW.months GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'day_timers.months: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.months, '${') > 0 OR instr(NEW.months, '$[') > 0;
  SELECT RAISE(ABORT, 'day_timers.months: is longer than 40 characters') WHERE length(NEW.months) > 40;
  SELECT RAISE(ABORT, 'day_timers.description: must be text') WHERE typeof(NEW.description) <> 'text';
  SELECT RAISE(ABORT, 'day_timers.description: holds a line break or another control character') WHERE instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'day_timers.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0;
  SELECT RAISE(ABORT, 'day_timers.description: is longer than 255 characters') WHERE length(NEW.description) > 255;
END;

CREATE TRIGGER sb_rules_day_timers_v6_update BEFORE UPDATE ON day_timers
BEGIN
  SELECT RAISE(ABORT, 'day_timers.month_days: must be text') WHERE NEW.month_days IS NOT OLD.month_days AND (typeof(NEW.month_days) <> 'text');
  SELECT RAISE(ABORT, 'day_timers.month_days: holds a line break or another control character') WHERE NEW.month_days IS NOT OLD.month_days AND (instr(CAST(NEW.month_days AS BLOB), x'00') > 0 OR NEW.month_days GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'day_timers.month_days: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.month_days IS NOT OLD.month_days AND (instr(NEW.month_days, '${') > 0 OR instr(NEW.month_days, '$[') > 0);
  SELECT RAISE(ABORT, 'day_timers.month_days: is longer than 40 characters') WHERE NEW.month_days IS NOT OLD.month_days AND (length(NEW.month_days) > 40);
  SELECT RAISE(ABORT, 'day_timers.months: must be text') WHERE NEW.months IS NOT OLD.months AND (typeof(NEW.months) <> 'text');
  SELECT RAISE(ABORT, 'day_timers.months: holds a line break or another control character') WHERE NEW.months IS NOT OLD.months AND (instr(CAST(NEW.months AS BLOB), x'00') > 0 OR NEW.months GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'day_timers.months: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.months IS NOT OLD.months AND (instr(NEW.months, '${') > 0 OR instr(NEW.months, '$[') > 0);
  SELECT RAISE(ABORT, 'day_timers.months: is longer than 40 characters') WHERE NEW.months IS NOT OLD.months AND (length(NEW.months) > 40);
  SELECT RAISE(ABORT, 'day_timers.description: must be text') WHERE NEW.description IS NOT OLD.description AND (typeof(NEW.description) <> 'text');
  SELECT RAISE(ABORT, 'day_timers.description: holds a line break or another control character') WHERE NEW.description IS NOT OLD.description AND (instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'day_timers.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.description IS NOT OLD.description AND (instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0);
  SELECT RAISE(ABORT, 'day_timers.description: is longer than 255 characters') WHERE NEW.description IS NOT OLD.description AND (length(NEW.description) > 255);
END;

CREATE TRIGGER sb_rules_inbound_routes_v6_insert BEFORE INSERT ON inbound_routes
BEGIN
  SELECT RAISE(ABORT, 'inbound_routes.destination_closed: must be text') WHERE typeof(NEW.destination_closed) <> 'text';
  SELECT RAISE(ABORT, 'inbound_routes.destination_closed: holds a line break or another control character') WHERE instr(CAST(NEW.destination_closed AS BLOB), x'00') > 0 OR NEW.destination_closed GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'inbound_routes.destination_closed: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination_closed GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination_closed GLOB ',*' OR NEW.destination_closed GLOB '*,' OR instr(NEW.destination_closed, ',,') > 0 OR length(NEW.destination_closed) - length(replace(NEW.destination_closed, ',', '')) > 2 OR length(NEW.destination_closed) > 255;
  SELECT RAISE(ABORT, 'inbound_routes.enabled: must be a whole number from 0 to 1') WHERE typeof(NEW.enabled) <> 'integer' OR NEW.enabled < 0 OR NEW.enabled > 1;
END;

CREATE TRIGGER sb_rules_inbound_routes_v6_update BEFORE UPDATE ON inbound_routes
BEGIN
  SELECT RAISE(ABORT, 'inbound_routes.destination_closed: must be text') WHERE NEW.destination_closed IS NOT OLD.destination_closed AND (typeof(NEW.destination_closed) <> 'text');
  SELECT RAISE(ABORT, 'inbound_routes.destination_closed: holds a line break or another control character') WHERE NEW.destination_closed IS NOT OLD.destination_closed AND (instr(CAST(NEW.destination_closed AS BLOB), x'00') > 0 OR NEW.destination_closed GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'inbound_routes.destination_closed: must be `context,exten,priority` (letters, digits and _ . + * # - in each part)') WHERE NEW.destination_closed IS NOT OLD.destination_closed AND (NEW.destination_closed GLOB '*[^0-9A-Za-z_.+*#,-]*' OR NEW.destination_closed GLOB ',*' OR NEW.destination_closed GLOB '*,' OR instr(NEW.destination_closed, ',,') > 0 OR length(NEW.destination_closed) - length(replace(NEW.destination_closed, ',', '')) > 2 OR length(NEW.destination_closed) > 255);
  SELECT RAISE(ABORT, 'inbound_routes.enabled: must be a whole number from 0 to 1') WHERE NEW.enabled IS NOT OLD.enabled AND (typeof(NEW.enabled) <> 'integer' OR NEW.enabled < 0 OR NEW.enabled > 1);
END;

CREATE TRIGGER sb_rules_custom_apps_insert BEFORE INSERT ON custom_apps
BEGIN
  SELECT RAISE(ABORT, 'custom_apps.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'custom_apps.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'custom_apps.name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.name = '' OR NEW.name GLOB '*[^0-9A-Za-z_-]*' OR NEW.name GLOB '[_-]*' OR length(NEW.name) > 80;
  SELECT RAISE(ABORT, 'custom_apps.description: must be text') WHERE typeof(NEW.description) <> 'text';
  SELECT RAISE(ABORT, 'custom_apps.description: holds a line break or another control character') WHERE instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'custom_apps.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0;
  SELECT RAISE(ABORT, 'custom_apps.description: is longer than 255 characters') WHERE length(NEW.description) > 255;
  SELECT RAISE(ABORT, 'custom_apps.span: must be one of internal, external, both, neither') WHERE typeof(NEW.span) <> 'text' OR NEW.span NOT IN ('internal', 'external', 'both', 'neither');
END;

CREATE TRIGGER sb_rules_custom_apps_update BEFORE UPDATE ON custom_apps
BEGIN
  SELECT RAISE(ABORT, 'custom_apps.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'custom_apps.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'custom_apps.name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.name IS NOT OLD.name AND (NEW.name = '' OR NEW.name GLOB '*[^0-9A-Za-z_-]*' OR NEW.name GLOB '[_-]*' OR length(NEW.name) > 80);
  SELECT RAISE(ABORT, 'custom_apps.description: must be text') WHERE NEW.description IS NOT OLD.description AND (typeof(NEW.description) <> 'text');
  SELECT RAISE(ABORT, 'custom_apps.description: holds a line break or another control character') WHERE NEW.description IS NOT OLD.description AND (instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'custom_apps.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.description IS NOT OLD.description AND (instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0);
  SELECT RAISE(ABORT, 'custom_apps.description: is longer than 255 characters') WHERE NEW.description IS NOT OLD.description AND (length(NEW.description) > 255);
  SELECT RAISE(ABORT, 'custom_apps.span: must be one of internal, external, both, neither') WHERE NEW.span IS NOT OLD.span AND (typeof(NEW.span) <> 'text' OR NEW.span NOT IN ('internal', 'external', 'both', 'neither'));
END;

CREATE TRIGGER sb_rules_custom_app_steps_insert BEFORE INSERT ON custom_app_steps
BEGIN
  SELECT RAISE(ABORT, 'custom_app_steps.app_name: must be text') WHERE typeof(NEW.app_name) <> 'text';
  SELECT RAISE(ABORT, 'custom_app_steps.app_name: holds a line break or another control character') WHERE instr(CAST(NEW.app_name AS BLOB), x'00') > 0 OR NEW.app_name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'custom_app_steps.app_name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.app_name = '' OR NEW.app_name GLOB '*[^0-9A-Za-z_-]*' OR NEW.app_name GLOB '[_-]*' OR length(NEW.app_name) > 80;
  SELECT RAISE(ABORT, 'custom_app_steps.application: must be one of Answer, Background, Busy, ConfBridge, Congestion, Dial, Echo, Goto, Hangup, MusicOnHold, NoOp, Playback, Progress, Queue, Ringing, SayDigits, SayNumber, VoiceMail, VoiceMailMain, Wait, WaitExten') WHERE typeof(NEW.application) <> 'text' OR NEW.application NOT IN ('Answer', 'Background', 'Busy', 'ConfBridge', 'Congestion', 'Dial', 'Echo', 'Goto', 'Hangup', 'MusicOnHold', 'NoOp', 'Playback', 'Progress', 'Queue', 'Ringing', 'SayDigits', 'SayNumber', 'VoiceMail', 'VoiceMailMain', 'Wait', 'WaitExten');
  SELECT RAISE(ABORT, 'custom_app_steps.arguments: must be text') WHERE typeof(NEW.arguments) <> 'text';
  SELECT RAISE(ABORT, 'custom_app_steps.arguments: holds a line break or another control character') WHERE instr(CAST(NEW.arguments AS BLOB), x'00') > 0 OR NEW.arguments GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'custom_app_steps.arguments: holds a character the dialplan would interpret (; $ \ ( ) [ ] { } " `)') WHERE NEW.arguments GLOB '*[];$\()[{}"`]*';
  SELECT RAISE(ABORT, 'custom_app_steps.arguments: is longer than 255 characters') WHERE length(NEW.arguments) > 255;
END;

CREATE TRIGGER sb_rules_custom_app_steps_update BEFORE UPDATE ON custom_app_steps
BEGIN
  SELECT RAISE(ABORT, 'custom_app_steps.app_name: must be text') WHERE NEW.app_name IS NOT OLD.app_name AND (typeof(NEW.app_name) <> 'text');
  SELECT RAISE(ABORT, 'custom_app_steps.app_name: holds a line break or another control character') WHERE NEW.app_name IS NOT OLD.app_name AND (instr(CAST(NEW.app_name AS BLOB), x'00') > 0 OR NEW.app_name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'custom_app_steps.app_name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.app_name IS NOT OLD.app_name AND (NEW.app_name = '' OR NEW.app_name GLOB '*[^0-9A-Za-z_-]*' OR NEW.app_name GLOB '[_-]*' OR length(NEW.app_name) > 80);
  SELECT RAISE(ABORT, 'custom_app_steps.application: must be one of Answer, Background, Busy, ConfBridge, Congestion, Dial, Echo, Goto, Hangup, MusicOnHold, NoOp, Playback, Progress, Queue, Ringing, SayDigits, SayNumber, VoiceMail, VoiceMailMain, Wait, WaitExten') WHERE NEW.application IS NOT OLD.application AND (typeof(NEW.application) <> 'text' OR NEW.application NOT IN ('Answer', 'Background', 'Busy', 'ConfBridge', 'Congestion', 'Dial', 'Echo', 'Goto', 'Hangup', 'MusicOnHold', 'NoOp', 'Playback', 'Progress', 'Queue', 'Ringing', 'SayDigits', 'SayNumber', 'VoiceMail', 'VoiceMailMain', 'Wait', 'WaitExten'));
  SELECT RAISE(ABORT, 'custom_app_steps.arguments: must be text') WHERE NEW.arguments IS NOT OLD.arguments AND (typeof(NEW.arguments) <> 'text');
  SELECT RAISE(ABORT, 'custom_app_steps.arguments: holds a line break or another control character') WHERE NEW.arguments IS NOT OLD.arguments AND (instr(CAST(NEW.arguments AS BLOB), x'00') > 0 OR NEW.arguments GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'custom_app_steps.arguments: holds a character the dialplan would interpret (; $ \ ( ) [ ] { } " `)') WHERE NEW.arguments IS NOT OLD.arguments AND (NEW.arguments GLOB '*[];$\()[{}"`]*');
  SELECT RAISE(ABORT, 'custom_app_steps.arguments: is longer than 255 characters') WHERE NEW.arguments IS NOT OLD.arguments AND (length(NEW.arguments) > 255);
END;

CREATE TRIGGER sb_rules_cos_rules_insert BEFORE INSERT ON cos_rules
BEGIN
  SELECT RAISE(ABORT, 'cos_rules.name: must be text') WHERE typeof(NEW.name) <> 'text';
  SELECT RAISE(ABORT, 'cos_rules.name: holds a line break or another control character') WHERE instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'cos_rules.name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.name = '' OR NEW.name GLOB '*[^0-9A-Za-z_-]*' OR NEW.name GLOB '[_-]*' OR length(NEW.name) > 80;
  SELECT RAISE(ABORT, 'cos_rules.description: must be text') WHERE typeof(NEW.description) <> 'text';
  SELECT RAISE(ABORT, 'cos_rules.description: holds a line break or another control character') WHERE instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'cos_rules.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0;
  SELECT RAISE(ABORT, 'cos_rules.description: is longer than 255 characters') WHERE length(NEW.description) > 255;
END;

CREATE TRIGGER sb_rules_cos_rules_update BEFORE UPDATE ON cos_rules
BEGIN
  SELECT RAISE(ABORT, 'cos_rules.name: must be text') WHERE NEW.name IS NOT OLD.name AND (typeof(NEW.name) <> 'text');
  SELECT RAISE(ABORT, 'cos_rules.name: holds a line break or another control character') WHERE NEW.name IS NOT OLD.name AND (instr(CAST(NEW.name AS BLOB), x'00') > 0 OR NEW.name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'cos_rules.name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.name IS NOT OLD.name AND (NEW.name = '' OR NEW.name GLOB '*[^0-9A-Za-z_-]*' OR NEW.name GLOB '[_-]*' OR length(NEW.name) > 80);
  SELECT RAISE(ABORT, 'cos_rules.description: must be text') WHERE NEW.description IS NOT OLD.description AND (typeof(NEW.description) <> 'text');
  SELECT RAISE(ABORT, 'cos_rules.description: holds a line break or another control character') WHERE NEW.description IS NOT OLD.description AND (instr(CAST(NEW.description AS BLOB), x'00') > 0 OR NEW.description GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'cos_rules.description: holds `${` or `$[`, which the dialplan would evaluate') WHERE NEW.description IS NOT OLD.description AND (instr(NEW.description, '${') > 0 OR instr(NEW.description, '$[') > 0);
  SELECT RAISE(ABORT, 'cos_rules.description: is longer than 255 characters') WHERE NEW.description IS NOT OLD.description AND (length(NEW.description) > 255);
END;

CREATE TRIGGER sb_rules_cos_rule_patterns_insert BEFORE INSERT ON cos_rule_patterns
BEGIN
  SELECT RAISE(ABORT, 'cos_rule_patterns.rule_name: must be text') WHERE typeof(NEW.rule_name) <> 'text';
  SELECT RAISE(ABORT, 'cos_rule_patterns.rule_name: holds a line break or another control character') WHERE instr(CAST(NEW.rule_name AS BLOB), x'00') > 0 OR NEW.rule_name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'cos_rule_patterns.rule_name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.rule_name = '' OR NEW.rule_name GLOB '*[^0-9A-Za-z_-]*' OR NEW.rule_name GLOB '[_-]*' OR length(NEW.rule_name) > 80;
  SELECT RAISE(ABORT, 'cos_rule_patterns.pattern: must be text') WHERE typeof(NEW.pattern) <> 'text';
  SELECT RAISE(ABORT, 'cos_rule_patterns.pattern: holds a line break or another control character') WHERE instr(CAST(NEW.pattern AS BLOB), x'00') > 0 OR NEW.pattern GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'cos_rule_patterns.pattern: must be 1 to 80 letters, digits and _ . + * # - [ ] !') WHERE NEW.pattern = '' OR NEW.pattern GLOB '*[^]0-9A-Za-z_.+*#[!-]*' OR length(NEW.pattern) > 80;
END;

CREATE TRIGGER sb_rules_cos_rule_patterns_update BEFORE UPDATE ON cos_rule_patterns
BEGIN
  SELECT RAISE(ABORT, 'cos_rule_patterns.rule_name: must be text') WHERE NEW.rule_name IS NOT OLD.rule_name AND (typeof(NEW.rule_name) <> 'text');
  SELECT RAISE(ABORT, 'cos_rule_patterns.rule_name: holds a line break or another control character') WHERE NEW.rule_name IS NOT OLD.rule_name AND (instr(CAST(NEW.rule_name AS BLOB), x'00') > 0 OR NEW.rule_name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'cos_rule_patterns.rule_name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.rule_name IS NOT OLD.rule_name AND (NEW.rule_name = '' OR NEW.rule_name GLOB '*[^0-9A-Za-z_-]*' OR NEW.rule_name GLOB '[_-]*' OR length(NEW.rule_name) > 80);
  SELECT RAISE(ABORT, 'cos_rule_patterns.pattern: must be text') WHERE NEW.pattern IS NOT OLD.pattern AND (typeof(NEW.pattern) <> 'text');
  SELECT RAISE(ABORT, 'cos_rule_patterns.pattern: holds a line break or another control character') WHERE NEW.pattern IS NOT OLD.pattern AND (instr(CAST(NEW.pattern AS BLOB), x'00') > 0 OR NEW.pattern GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'cos_rule_patterns.pattern: must be 1 to 80 letters, digits and _ . + * # - [ ] !') WHERE NEW.pattern IS NOT OLD.pattern AND (NEW.pattern = '' OR NEW.pattern GLOB '*[^]0-9A-Za-z_.+*#[!-]*' OR length(NEW.pattern) > 80);
END;

CREATE TRIGGER sb_rules_cos_assignments_insert BEFORE INSERT ON cos_assignments
BEGIN
  SELECT RAISE(ABORT, 'cos_assignments.extension: must be text') WHERE typeof(NEW.extension) <> 'text';
  SELECT RAISE(ABORT, 'cos_assignments.extension: holds a line break or another control character') WHERE instr(CAST(NEW.extension AS BLOB), x'00') > 0 OR NEW.extension GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'cos_assignments.extension: must be 1 to 20 digits') WHERE NEW.extension = '' OR NEW.extension GLOB '*[^0-9]*' OR length(NEW.extension) > 20;
  SELECT RAISE(ABORT, 'cos_assignments.rule_name: must be text') WHERE typeof(NEW.rule_name) <> 'text';
  SELECT RAISE(ABORT, 'cos_assignments.rule_name: holds a line break or another control character') WHERE instr(CAST(NEW.rule_name AS BLOB), x'00') > 0 OR NEW.rule_name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*';
  SELECT RAISE(ABORT, 'cos_assignments.rule_name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.rule_name = '' OR NEW.rule_name GLOB '*[^0-9A-Za-z_-]*' OR NEW.rule_name GLOB '[_-]*' OR length(NEW.rule_name) > 80;
  SELECT RAISE(ABORT, 'cos_assignments.hours: must be one of open, closed') WHERE typeof(NEW.hours) <> 'text' OR NEW.hours NOT IN ('open', 'closed');
END;

CREATE TRIGGER sb_rules_cos_assignments_update BEFORE UPDATE ON cos_assignments
BEGIN
  SELECT RAISE(ABORT, 'cos_assignments.extension: must be text') WHERE NEW.extension IS NOT OLD.extension AND (typeof(NEW.extension) <> 'text');
  SELECT RAISE(ABORT, 'cos_assignments.extension: holds a line break or another control character') WHERE NEW.extension IS NOT OLD.extension AND (instr(CAST(NEW.extension AS BLOB), x'00') > 0 OR NEW.extension GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'cos_assignments.extension: must be 1 to 20 digits') WHERE NEW.extension IS NOT OLD.extension AND (NEW.extension = '' OR NEW.extension GLOB '*[^0-9]*' OR length(NEW.extension) > 20);
  SELECT RAISE(ABORT, 'cos_assignments.rule_name: must be text') WHERE NEW.rule_name IS NOT OLD.rule_name AND (typeof(NEW.rule_name) <> 'text');
  SELECT RAISE(ABORT, 'cos_assignments.rule_name: holds a line break or another control character') WHERE NEW.rule_name IS NOT OLD.rule_name AND (instr(CAST(NEW.rule_name AS BLOB), x'00') > 0 OR NEW.rule_name GLOB '*[' || char(1, 45, 31, 127, 45, 159) || ']*');
  SELECT RAISE(ABORT, 'cos_assignments.rule_name: must be 1 to 80 letters, digits, - and _, starting with a letter or digit') WHERE NEW.rule_name IS NOT OLD.rule_name AND (NEW.rule_name = '' OR NEW.rule_name GLOB '*[^0-9A-Za-z_-]*' OR NEW.rule_name GLOB '[_-]*' OR length(NEW.rule_name) > 80);
  SELECT RAISE(ABORT, 'cos_assignments.hours: must be one of open, closed') WHERE NEW.hours IS NOT OLD.hours AND (typeof(NEW.hours) <> 'text' OR NEW.hours NOT IN ('open', 'closed'));
END;

