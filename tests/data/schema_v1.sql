-- A database written by schema version 1 (before registrations), kept to test migration.
BEGIN TRANSACTION;
CREATE TABLE audit (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(100) NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	entity VARCHAR(32) NOT NULL, 
	entity_id INTEGER, 
	hub_id INTEGER, 
	series_id INTEGER, 
	"before" VARCHAR, 
	"after" VARCHAR, 
	undone BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "audit" VALUES(1,'2025-01-01 12:00:00.000000','root','hub.create','hub',1,1,NULL,NULL,'{"archived": false, "created_at": "2025-01-01T12:00:00Z", "id": 1, "name": "Team", "timezone": "America/New_York"}',0);
INSERT INTO "audit" VALUES(2,'2025-01-01 12:00:00.000000','root','series.create','series',1,1,1,NULL,'{"booking_max_days": null, "booking_min_hours": null, "capacity": 10, "created_at": "2025-01-01T12:00:00Z", "description": "", "duration_minutes": 15, "horizon_weeks": 26, "host": "", "hub_id": 1, "id": 1, "location": "", "name": "Standup", "planned_through": null, "registration_option": "all_sessions", "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=12", "start_date": "2025-01-06", "status": "published", "timezone": "America/New_York", "updated_at": "2025-01-01T12:00:00Z"}',0);
INSERT INTO "audit" VALUES(3,'2025-01-01 12:00:00.000000','root','series.create','series',2,1,2,NULL,'{"booking_max_days": null, "booking_min_hours": null, "capacity": null, "created_at": "2025-01-01T12:00:00Z", "description": "", "duration_minutes": 60, "horizon_weeks": 4, "host": "", "hub_id": 1, "id": 2, "location": "", "name": "Yoga", "planned_through": "2025-02-03", "registration_option": "all_sessions", "rrule": "FREQ=WEEKLY;BYDAY=MO,WE", "start_date": "2025-01-06", "status": "published", "timezone": "America/New_York", "updated_at": "2025-01-01T12:00:00Z"}',0);
INSERT INTO "audit" VALUES(4,'2025-01-01 12:00:00.000000','root','occurrence.cancel','occurrence',3,1,1,'{"capacity": 10, "edited": "", "end_utc": "2025-01-20T15:15:00Z", "host": null, "location": null, "start_utc": "2025-01-20T15:00:00Z", "status": "scheduled"}','{"capacity": 10, "edited": "status", "end_utc": "2025-01-20T15:15:00Z", "host": null, "location": null, "start_utc": "2025-01-20T15:00:00Z", "status": "cancelled"}',0);
CREATE TABLE hub (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	archived BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "hub" VALUES(1,'Team','America/New_York',0,'2025-01-01 12:00:00.000000');
CREATE TABLE occurrence (
	id INTEGER NOT NULL, 
	series_id INTEGER NOT NULL, 
	slot_id INTEGER, 
	original_start DATETIME NOT NULL, 
	start_utc DATETIME NOT NULL, 
	end_utc DATETIME NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	capacity INTEGER, 
	location VARCHAR, 
	host VARCHAR, 
	edited VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(series_id) REFERENCES series (id), 
	FOREIGN KEY(slot_id) REFERENCES slot (id)
);
INSERT INTO "occurrence" VALUES(1,1,1,'2025-01-06 15:00:00.000000','2025-01-06 15:00:00.000000','2025-01-06 15:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(2,1,1,'2025-01-13 15:00:00.000000','2025-01-13 15:00:00.000000','2025-01-13 15:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(3,1,1,'2025-01-20 15:00:00.000000','2025-01-20 15:00:00.000000','2025-01-20 15:15:00.000000','cancelled',10,NULL,NULL,'status');
INSERT INTO "occurrence" VALUES(4,1,1,'2025-01-27 15:00:00.000000','2025-01-27 15:00:00.000000','2025-01-27 15:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(5,1,1,'2025-02-03 15:00:00.000000','2025-02-03 15:00:00.000000','2025-02-03 15:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(6,1,1,'2025-02-10 15:00:00.000000','2025-02-10 15:00:00.000000','2025-02-10 15:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(7,1,1,'2025-02-17 15:00:00.000000','2025-02-17 15:00:00.000000','2025-02-17 15:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(8,1,1,'2025-02-24 15:00:00.000000','2025-02-24 15:00:00.000000','2025-02-24 15:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(9,1,1,'2025-03-03 15:00:00.000000','2025-03-03 15:00:00.000000','2025-03-03 15:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(10,1,1,'2025-03-10 14:00:00.000000','2025-03-10 14:00:00.000000','2025-03-10 14:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(11,1,1,'2025-03-17 14:00:00.000000','2025-03-17 14:00:00.000000','2025-03-17 14:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(12,1,1,'2025-03-24 14:00:00.000000','2025-03-24 14:00:00.000000','2025-03-24 14:15:00.000000','scheduled',10,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(13,2,2,'2025-01-06 14:00:00.000000','2025-01-06 14:00:00.000000','2025-01-06 15:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(14,2,3,'2025-01-06 22:00:00.000000','2025-01-06 22:00:00.000000','2025-01-06 23:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(15,2,2,'2025-01-08 14:00:00.000000','2025-01-08 14:00:00.000000','2025-01-08 15:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(16,2,3,'2025-01-08 22:00:00.000000','2025-01-08 22:00:00.000000','2025-01-08 23:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(17,2,2,'2025-01-13 14:00:00.000000','2025-01-13 14:00:00.000000','2025-01-13 15:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(18,2,3,'2025-01-13 22:00:00.000000','2025-01-13 22:00:00.000000','2025-01-13 23:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(19,2,2,'2025-01-15 14:00:00.000000','2025-01-15 14:00:00.000000','2025-01-15 15:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(20,2,3,'2025-01-15 22:00:00.000000','2025-01-15 22:00:00.000000','2025-01-15 23:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(21,2,2,'2025-01-20 14:00:00.000000','2025-01-20 14:00:00.000000','2025-01-20 15:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(22,2,3,'2025-01-20 22:00:00.000000','2025-01-20 22:00:00.000000','2025-01-20 23:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(23,2,2,'2025-01-22 14:00:00.000000','2025-01-22 14:00:00.000000','2025-01-22 15:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(24,2,3,'2025-01-22 22:00:00.000000','2025-01-22 22:00:00.000000','2025-01-22 23:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(25,2,2,'2025-01-27 14:00:00.000000','2025-01-27 14:00:00.000000','2025-01-27 15:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(26,2,3,'2025-01-27 22:00:00.000000','2025-01-27 22:00:00.000000','2025-01-27 23:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(27,2,2,'2025-01-29 14:00:00.000000','2025-01-29 14:00:00.000000','2025-01-29 15:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(28,2,3,'2025-01-29 22:00:00.000000','2025-01-29 22:00:00.000000','2025-01-29 23:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(29,2,2,'2025-02-03 14:00:00.000000','2025-02-03 14:00:00.000000','2025-02-03 15:00:00.000000','scheduled',NULL,NULL,NULL,'');
INSERT INTO "occurrence" VALUES(30,2,3,'2025-02-03 22:00:00.000000','2025-02-03 22:00:00.000000','2025-02-03 23:00:00.000000','scheduled',NULL,NULL,NULL,'');
CREATE TABLE schedtui_meta (
	"key" VARCHAR(64) NOT NULL, 
	value VARCHAR(200) NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "schedtui_meta" VALUES('app','schedtui');
INSERT INTO "schedtui_meta" VALUES('schema_version','1');
CREATE TABLE series (
	id INTEGER NOT NULL, 
	hub_id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	description VARCHAR NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	start_date DATE NOT NULL, 
	rrule VARCHAR(1000) NOT NULL, 
	duration_minutes INTEGER NOT NULL, 
	capacity INTEGER, 
	location VARCHAR NOT NULL, 
	host VARCHAR NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	registration_option VARCHAR(32) NOT NULL, 
	booking_min_hours INTEGER, 
	booking_max_days INTEGER, 
	horizon_weeks INTEGER NOT NULL, 
	planned_through DATE, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(hub_id) REFERENCES hub (id)
);
INSERT INTO "series" VALUES(1,1,'Standup','','America/New_York','2025-01-06','FREQ=WEEKLY;BYDAY=MO;COUNT=12',15,10,'','','published','all_sessions',NULL,NULL,26,NULL,'2025-01-01 12:00:00.000000','2025-01-01 12:00:00.000000');
INSERT INTO "series" VALUES(2,1,'Yoga','','America/New_York','2025-01-06','FREQ=WEEKLY;BYDAY=MO,WE',60,NULL,'','','published','all_sessions',NULL,NULL,4,'2025-02-03','2025-01-01 12:00:00.000000','2025-01-01 12:00:00.000000');
CREATE TABLE slot (
	id INTEGER NOT NULL, 
	series_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	at VARCHAR(5) NOT NULL, 
	weekdays VARCHAR(20), 
	capacity INTEGER, 
	host VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(series_id) REFERENCES series (id)
);
INSERT INTO "slot" VALUES(1,1,0,'10:00',NULL,10,'');
INSERT INTO "slot" VALUES(2,2,0,'09:00',NULL,NULL,'');
INSERT INTO "slot" VALUES(3,2,1,'17:00',NULL,NULL,'');
CREATE INDEX ix_audit_hub_id ON audit (hub_id);
CREATE INDEX ix_audit_at ON audit (at);
CREATE INDEX ix_audit_series_id ON audit (series_id);
CREATE INDEX ix_series_hub_id ON series (hub_id);
CREATE INDEX ix_slot_series_id ON slot (series_id);
CREATE INDEX ix_occurrence_start_utc ON occurrence (start_utc);
CREATE INDEX ix_occurrence_series_start ON occurrence (series_id, start_utc);
COMMIT;
