-- sql/mariadb/006_partner_guard.sql: account identity is user AND host; partners cannot hold locks the rollup waits for.
-- Re-runnable (IF NOT EXISTS / OR REPLACE) and safe on a database made by 001-005.
-- Run it (tools/dnsa-migrate) as root or an account with SELECT on mysql.*, PROCESS,
-- CONNECTION ADMIN and CREATE USER: the routines below run with the privileges of
-- whoever created them (SQL SECURITY DEFINER), and that is all the rollup account
-- ever gets of those privileges (EXECUTE on dnsa_partner_guard only).

-- 1. Identity. USER() inside a definer view gives the client's login name and host,
-- not the account (CURRENT_USER() would give the view's definer), so the name alone
-- used to decide: 'bob'@'%' (staff) and 'bob'@'localhost' (partner) were one person to
-- the views. Now every registered name records the one account it belongs to, and
-- dnsa_account_kind() accepts a connection only when that account is the only one with this
-- user name (so the server can only have authenticated the connection as it) and no
-- anonymous account exists (one could take a login name it does not own).
ALTER TABLE partner ADD COLUMN IF NOT EXISTS
	host VARCHAR(255) CHARACTER SET ascii COLLATE ascii_general_ci NULL AFTER account;
ALTER TABLE staff_account ADD COLUMN IF NOT EXISTS
	host VARCHAR(255) CHARACTER SET ascii COLLATE ascii_general_ci NULL AFTER account;
-- rows made before this migration: the host of the only account of that name, else
-- NULL (ambiguous: the views refuse it until `dnsa-partner remove` and a new `add`)
UPDATE partner p SET p.host = (SELECT MIN(u.Host) FROM mysql.user u
	WHERE u.User = p.account AND u.is_role = 'N' HAVING COUNT(*) = 1) WHERE p.host IS NULL;
UPDATE staff_account s SET s.host = (SELECT MIN(u.Host) FROM mysql.user u
	WHERE u.User = s.account AND u.is_role = 'N' HAVING COUNT(*) = 1) WHERE s.host IS NULL;

DELIMITER //
-- 'partner' or 'staff' for a registered account, or an error saying why it is neither
-- (mysql.global_priv, not the mysql.user view: this runs for every zone a view shows)
CREATE OR REPLACE FUNCTION dnsa_account_kind() RETURNS VARCHAR(8) CHARACTER SET ascii
	NOT DETERMINISTIC READS SQL DATA SQL SECURITY DEFINER
BEGIN
	DECLARE h VARCHAR(255) DEFAULT SUBSTRING_INDEX(USER(), '@', -1);
	DECLARE u VARCHAR(128) DEFAULT LEFT(USER(), CHAR_LENGTH(USER()) - CHAR_LENGTH(h) - 1);
	DECLARE np, ns, nacc, nanon INT;
	DECLARE reg, acc VARCHAR(255);
	DECLARE msg VARCHAR(128);
	SELECT COUNT(*), MIN(host) INTO np, reg FROM partner WHERE account = u;
	SELECT COUNT(*), COALESCE(reg, MIN(host)) INTO ns, reg FROM staff_account WHERE account = u;
	IF np + ns = 0 THEN
		SET msg = LEFT(CONCAT('dnsa: ', USER(), ' is neither partner nor staff (dnsa-partner add/staff)'), 128);
		SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
	END IF;
	-- roles have Host '' and no login; anonymous accounts have User ''
	SELECT COUNT(*), MIN(Host) INTO nacc, acc FROM mysql.global_priv WHERE User = u AND Host <> '';
	SELECT COUNT(*) INTO nanon FROM mysql.global_priv WHERE User = '' AND Host <> '';
	IF np + ns > 1 OR nacc <> 1 OR nanon > 0 OR reg IS NULL OR reg <> acc THEN
		SET msg = LEFT(CONCAT('dnsa: account name ', u, ' is ambiguous (', nacc, ' accounts, ',
			nanon, ' anonymous): refused; see dnsa-partner accounts'), 128);
		SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
	END IF;
	RETURN IF(np = 1, 'partner', 'staff');
END//

-- the registered account name of this connection (an error as above if there is none)
CREATE OR REPLACE FUNCTION dnsa_account() RETURNS VARCHAR(80) CHARACTER SET ascii
	NOT DETERMINISTIC READS SQL DATA SQL SECURITY DEFINER
BEGIN
	DECLARE h VARCHAR(255) DEFAULT SUBSTRING_INDEX(USER(), '@', -1);
	RETURN IF(dnsa_account_kind() IS NULL, NULL, LEFT(USER(), CHAR_LENGTH(USER()) - CHAR_LENGTH(h) - 1));
END//

-- 1 if the connected account may see zone zid. A function, not a subquery in the view:
-- MariaDB 10.11 was seen to drop an "(SELECT f()) = 'staff' OR EXISTS (...)" condition once
-- the outer WHERE made the zone row a constant (a partner saw another partner's zone with
-- WHERE zone = 'theirs'); a stored function call is opaque to such rewrites. Zones the
-- name is not granted cost two key lookups; the full identity check runs for the others.
CREATE OR REPLACE FUNCTION dnsa_may_see(zid INT UNSIGNED) RETURNS TINYINT
	NOT DETERMINISTIC READS SQL DATA SQL SECURITY DEFINER
BEGIN
	DECLARE h VARCHAR(255) DEFAULT SUBSTRING_INDEX(USER(), '@', -1);
	DECLARE u VARCHAR(128) DEFAULT LEFT(USER(), CHAR_LENGTH(USER()) - CHAR_LENGTH(h) - 1);
	IF NOT EXISTS (SELECT 1 FROM partner_zone WHERE account = u AND zone_id = zid)
	   AND NOT EXISTS (SELECT 1 FROM staff_account WHERE account = u) THEN
		IF NOT EXISTS (SELECT 1 FROM partner WHERE account = u) THEN
			RETURN dnsa_account_kind() IS NULL;   -- raises the error for an unknown account
		END IF;
		RETURN 0;
	END IF;
	RETURN dnsa_account_kind() IS NOT NULL;
END//
DELIMITER ;

-- the zones the connected account may see; an error for an account dnsa does not know
-- (root included: it reads the base tables)
-- TEMPTABLE: the function runs once per zone (a condition on the name is pushed into the
-- view, so once in all), not once per row of the series it is joined with (merged into a
-- series view it ran for each of a day's 1440 minutes: 1 s for one zone's day, 0.02 s now)
CREATE OR REPLACE ALGORITHM=TEMPTABLE SQL SECURITY DEFINER VIEW zone_visible AS
SELECT z.zone_id, z.name FROM zone z WHERE dnsa_may_see(z.zone_id) = 1;

-- one row if the connected account is staff (an error if it is not a dnsa account)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW staff_self AS
SELECT dnsa_account() AS account FROM DUAL WHERE dnsa_account_kind() = 'staff';

-- 2. Locking reads. A partner's SELECT ... FOR UPDATE (or LOCK IN SHARE MODE) through a
-- merged view locks the base rows the rollup upserts, for as long as the partner keeps
-- its transaction open. A view materialized as a temporary table (ALGORITHM=TEMPTABLE)
-- reads the base tables without those locks, and MariaDB still pushes the outer WHERE
-- into it (zone, ts ranges use the primary key). Every view granted to dnsa_partner is
-- made TEMPTABLE here; a later migration that (re)creates a partner view calls this again.
DELIMITER //
CREATE OR REPLACE PROCEDURE dnsa_seal_partner_views()
	MODIFIES SQL DATA SQL SECURITY INVOKER
BEGIN
	-- names first, then one view at a time: a cursor over information_schema left open
	-- across CREATE VIEW failed ("Error on delete of '#sql-temptable...'") on a second database
	DECLARE todo, v VARCHAR(16000);
	DECLARE body LONGTEXT;
	SELECT GROUP_CONCAT(w.TABLE_NAME) INTO todo FROM information_schema.VIEWS w
		JOIN mysql.tables_priv t ON t.Db = w.TABLE_SCHEMA AND t.Table_name = w.TABLE_NAME
		WHERE w.TABLE_SCHEMA = DATABASE() AND t.User = 'dnsa_partner' AND t.Host = ''
		  AND w.ALGORITHM <> 'TEMPTABLE';
	WHILE COALESCE(todo, '') <> '' DO
		SET v = SUBSTRING_INDEX(todo, ',', 1);
		SET todo = IF(LOCATE(',', todo) > 0, SUBSTRING(todo, LOCATE(',', todo) + 1), '');
		SELECT VIEW_DEFINITION INTO body FROM information_schema.VIEWS
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = v;
		SET @dnsa_seal = CONCAT('CREATE OR REPLACE ALGORITHM=TEMPTABLE SQL SECURITY DEFINER VIEW `',
			v, '` AS ', body);
		PREPARE s FROM @dnsa_seal;
		EXECUTE s;
		DEALLOCATE PREPARE s;
	END WHILE;
END//
DELIMITER ;
CALL dnsa_seal_partner_views();

-- 3. What a temporary table cannot stop: a partner in SERIALIZABLE (its plain reads take
-- shared locks), an idle transaction pinning old row versions or a metadata lock, a
-- statement longer than its account's limit (a session may raise its own
-- max_statement_time). The rollup calls dnsa_partner_guard at the start of every batch
-- and, with innodb_lock_wait_timeout = 2 s, again before it retries a batch that timed
-- out, so a partner holds it up for about 2 s. The guard kills:
--   row_locks         a partner connection whose transaction holds InnoDB locks
--   metadata_lock     a partner connection in a transaction while some connection waits
--                     for a metadata lock (DDL, the rollup behind it)
--   idle_transaction  a partner connection idle for 600 s inside a transaction
--   statement_time    (the query only) a partner statement running 5 s past the
--                     account's MAX_STATEMENT_TIME
-- and locks an account killed 3 times within an hour (dnsa-partner unlock NAME).
-- Everything it does is a row in partner_guard_log (staff view partner_guard_events).
CREATE TABLE IF NOT EXISTS partner_guard_log (
	id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	ts          DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
	account     VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	thread_id   BIGINT UNSIGNED NOT NULL,
	reason      ENUM('row_locks', 'metadata_lock', 'idle_transaction', 'statement_time', 'repeat') NOT NULL,
	action      ENUM('kill_connection', 'kill_query', 'account_locked') NOT NULL,
	seconds     INT UNSIGNED NOT NULL DEFAULT 0,
	PRIMARY KEY (id),
	KEY by_account (account, ts)
) ENGINE=InnoDB;

DELIMITER //
CREATE OR REPLACE PROCEDURE dnsa_partner_guard(OUT killed INT)
	MODIFIES SQL DATA SQL SECURITY DEFINER
BEGIN
	DECLARE todo TEXT;
	DECLARE one VARCHAR(600);
	DECLARE tid BIGINT UNSIGNED;
	DECLARE acc VARCHAR(80);
	DECLARE ahost VARCHAR(255);
	DECLARE why VARCHAR(20);
	DECLARE secs INT;
	DECLARE mdl_wait INT DEFAULT 0;
	-- a connection that ended between the scan and the KILL is not an error
	DECLARE CONTINUE HANDLER FOR 1094 BEGIN END;
	SET killed = 0;
	SELECT COUNT(*) INTO mdl_wait FROM information_schema.PROCESSLIST
		WHERE STATE LIKE 'Waiting for table metadata lock%';
	-- the offenders first (id|reason|seconds|account|host, comma-separated: none of these
	-- characters is in an account name, an account host or a reason), then KILL and
	-- ALTER USER with no cursor open (see dnsa_seal_partner_views)
	SELECT GROUP_CONCAT(CONCAT(q.ID, '|', q.why, '|', q.secs, '|', q.account, '|', COALESCE(q.host, ''))) INTO todo
	FROM (
		SELECT p.ID, x.account, x.host, p.TIME AS secs,
			CASE WHEN t.trx_lock_structs > 0 THEN 'row_locks'
			     WHEN t.trx_id IS NOT NULL AND mdl_wait > 0 THEN 'metadata_lock'
			     WHEN t.trx_id IS NOT NULL AND p.COMMAND = 'Sleep' AND p.TIME >= 600 THEN 'idle_transaction'
			     WHEN p.COMMAND = 'Query' AND COALESCE(u.max_statement_time, 0) > 0
			          AND p.TIME_MS > (u.max_statement_time + 5) * 1000 THEN 'statement_time'
			END AS why
		FROM information_schema.PROCESSLIST p
		JOIN partner x ON x.account = p.USER
		LEFT JOIN mysql.user u ON u.User = x.account AND u.Host = x.host
		LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
		WHERE p.ID <> CONNECTION_ID()) q
	WHERE q.why IS NOT NULL;
	WHILE COALESCE(todo, '') <> '' DO
		SET one = SUBSTRING_INDEX(todo, ',', 1);
		SET todo = IF(LOCATE(',', todo) > 0, SUBSTRING(todo, LOCATE(',', todo) + 1), '');
		SET tid = SUBSTRING_INDEX(one, '|', 1);
		SET why = SUBSTRING_INDEX(SUBSTRING_INDEX(one, '|', 2), '|', -1);
		SET secs = SUBSTRING_INDEX(SUBSTRING_INDEX(one, '|', 3), '|', -1);
		SET acc = SUBSTRING_INDEX(SUBSTRING_INDEX(one, '|', 4), '|', -1);
		SET ahost = NULLIF(SUBSTRING_INDEX(one, '|', -1), '');
		IF why = 'statement_time' THEN
			KILL QUERY tid;
			INSERT INTO partner_guard_log (account, thread_id, reason, action, seconds)
				VALUES (acc, tid, why, 'kill_query', secs);
		ELSE
			KILL CONNECTION tid;
			INSERT INTO partner_guard_log (account, thread_id, reason, action, seconds)
				VALUES (acc, tid, why, 'kill_connection', secs);
			IF ahost IS NOT NULL AND (SELECT COUNT(*) FROM partner_guard_log WHERE account = acc
			      AND action = 'kill_connection' AND ts > UTC_TIMESTAMP() - INTERVAL 1 HOUR) >= 3
			   AND NOT EXISTS (SELECT 1 FROM partner_guard_log WHERE account = acc
			      AND action = 'account_locked' AND ts > UTC_TIMESTAMP() - INTERVAL 1 HOUR) THEN
				SET @dnsa_guard = CONCAT('ALTER USER ', QUOTE(acc), '@', QUOTE(ahost), ' ACCOUNT LOCK');
				PREPARE s FROM @dnsa_guard;
				EXECUTE s;
				DEALLOCATE PREPARE s;
				INSERT INTO partner_guard_log (account, thread_id, reason, action)
					VALUES (acc, tid, 'repeat', 'account_locked');
			END IF;
		END IF;
		SET killed = killed + 1;
	END WHILE;
	COMMIT;
END//
DELIMITER ;

CREATE OR REPLACE SQL SECURITY DEFINER VIEW partner_guard_events AS
SELECT id, ts, account, thread_id, reason, action, seconds
FROM partner_guard_log WHERE EXISTS (SELECT 1 FROM staff_self);

GRANT EXECUTE ON PROCEDURE dnsa_partner_guard TO dnsa_rollup;
GRANT SELECT ON partner_guard_log TO dnsa_staff;

-- 4. Connections. Existing partner accounts without limits get the defaults that
-- dnsa-partner gives new ones (10 connections, 60 s per statement); see docs/sql.md
-- for the connection budget that keeps room for the rollup.
DELIMITER //
CREATE OR REPLACE PROCEDURE dnsa_partner_limits_default()
	MODIFIES SQL DATA SQL SECURITY INVOKER
BEGIN
	DECLARE todo LONGTEXT;
	DECLARE one VARCHAR(1000);
	SELECT GROUP_CONCAT(CONCAT('ALTER USER ', QUOTE(p.account), '@', QUOTE(p.host),
			' WITH MAX_USER_CONNECTIONS ', IF(u.max_user_connections = 0, 10, u.max_user_connections),
			' MAX_STATEMENT_TIME ', IF(u.max_statement_time = 0, 60, CEIL(u.max_statement_time))) SEPARATOR ';')
		INTO todo FROM partner p JOIN mysql.user u ON u.User = p.account AND u.Host = p.host
		WHERE u.max_user_connections = 0 OR u.max_statement_time = 0;
	WHILE COALESCE(todo, '') <> '' DO
		SET one = SUBSTRING_INDEX(todo, ';', 1);
		SET todo = IF(LOCATE(';', todo) > 0, SUBSTRING(todo, LOCATE(';', todo) + 1), '');
		SET @dnsa_lim = one;
		PREPARE s FROM @dnsa_lim;
		EXECUTE s;
		DEALLOCATE PREPARE s;
	END WHILE;
END//
DELIMITER ;
CALL dnsa_partner_limits_default();
DROP PROCEDURE IF EXISTS dnsa_partner_limits_default;
