-- sql/mariadb/013_partitions.sql: series, counter and name tables partitioned by time (RANGE COLUMNS(ts)); retention drops partitions.
--
-- Re-runnable and safe on a database with data: a table already partitioned is left as it
-- is; an unpartitioned one is rebuilt once (ALTER TABLE ... PARTITION BY copies its rows:
-- writes to it wait meanwhile, the rollup retries next run, staging keeps the data).
-- Run it (tools/dnsa-migrate) as root or an account with ALTER and DROP on these tables:
-- dnsa_partitions runs with its definer's privileges (SQL SECURITY DEFINER) and is all the
-- rollup account gets of them (EXECUTE).
--
-- Layout, per table (partitioned_table): one partition per day (minute and hour tables) or
-- per month (day tables), named p<first day> (p20261201); the oldest also holds anything
-- older, pmax (MAXVALUE) anything newer than the partitions made ahead, so no write ever
-- finds no partition. Every primary key already contains ts (001, 007), as MariaDB requires.

-- the tables partitioned by ts: which retention.* applies (grain) and the partition width;
-- a later migration adding a time table inserts its row and calls dnsa_partition_table('name')
CREATE TABLE IF NOT EXISTS partitioned_table (
	table_name  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	grain       ENUM('minute','hour','day') NOT NULL,
	width       ENUM('day','month') NOT NULL,
	PRIMARY KEY (table_name)
) ENGINE=InnoDB;

INSERT IGNORE INTO partitioned_table (table_name, grain, width) VALUES
	('series_minute', 'minute', 'day'), ('series_hour', 'hour', 'day'), ('series_day', 'day', 'month'),
	('node_counter_minute', 'minute', 'day'), ('node_counter_hour', 'hour', 'day'),
	('node_counter_day', 'day', 'month'), ('top_name_hour', 'hour', 'day'),
	('server_zone_minute', 'minute', 'day'), ('server_zone_hour', 'hour', 'day'),
	('server_zone_day', 'day', 'month'),
	-- 009's tables (answer kinds, latency, top names per rcode), where that migration is in:
	-- a registered table that does not exist is skipped
	('answer_kind_minute', 'minute', 'day'), ('answer_kind_hour', 'hour', 'day'),
	('answer_kind_day', 'day', 'month'), ('latency_minute', 'minute', 'day'),
	('latency_hour', 'hour', 'day'), ('latency_day', 'day', 'month'),
	('top_name_rcode_hour', 'hour', 'day');

DELIMITER //
-- the first instant of the partition holding t (a day or a month)
CREATE OR REPLACE FUNCTION dnsa_part_start(t DATETIME, width VARCHAR(8)) RETURNS DATETIME DETERMINISTIC
	RETURN IF(width = 'month', CAST(DATE_FORMAT(t, '%Y-%m-01') AS DATETIME), CAST(DATE(t) AS DATETIME))//

CREATE OR REPLACE FUNCTION dnsa_part_next(t DATETIME, width VARCHAR(8)) RETURNS DATETIME DETERMINISTIC
	RETURN IF(width = 'month', t + INTERVAL 1 MONTH, t + INTERVAL 1 DAY)//

-- "PARTITION p20261201 VALUES LESS THAN ('2026-12-02 00:00:00'), ..." for [lo, hi)
CREATE OR REPLACE FUNCTION dnsa_part_list(lo DATETIME, hi DATETIME, width VARCHAR(8)) RETURNS LONGTEXT
	DETERMINISTIC
BEGIN
	DECLARE s LONGTEXT DEFAULT '';
	DECLARE t DATETIME DEFAULT lo;
	WHILE t < hi DO
		SET s = CONCAT(s, IF(s = '', '', ', '), 'PARTITION p', DATE_FORMAT(t, '%Y%m%d'),
			' VALUES LESS THAN (''', dnsa_part_next(t, width), ''')');
		SET t = dnsa_part_next(t, width);
	END WHILE;
	RETURN s;
END//

-- partition one registered table, if it is not yet: from its oldest row (at most 500
-- partitions back; the first partition holds everything older) to 3 partitions ahead
CREATE OR REPLACE PROCEDURE dnsa_partition_table(IN tbl VARCHAR(64))
	MODIFIES SQL DATA SQL SECURITY INVOKER
BEGIN
	DECLARE w VARCHAR(8);
	DECLARE lo, hi, now_ts DATETIME;
	SET now_ts = UTC_TIMESTAMP();
	SELECT width INTO w FROM partitioned_table WHERE table_name = tbl;
	IF w IS NULL THEN
		SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dnsa_partition_table: table not in partitioned_table';
	END IF;
	IF EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = tbl)
	   AND NOT EXISTS (SELECT 1 FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE()
	               AND TABLE_NAME = tbl AND PARTITION_NAME IS NOT NULL) THEN
		SET @dnsa_lo = NULL;
		SET @dnsa_q = CONCAT('SELECT MIN(ts) INTO @dnsa_lo FROM `', tbl, '`');
		PREPARE s FROM @dnsa_q;
		EXECUTE s;
		DEALLOCATE PREPARE s;
		SET lo = dnsa_part_start(GREATEST(COALESCE(@dnsa_lo, now_ts),
			IF(w = 'month', now_ts - INTERVAL 500 MONTH, now_ts - INTERVAL 500 DAY)), w);
		SET hi = dnsa_part_start(IF(w = 'month', now_ts + INTERVAL 3 MONTH, now_ts + INTERVAL 3 DAY), w);
		SET @dnsa_q = CONCAT('ALTER TABLE `', tbl, '` PARTITION BY RANGE COLUMNS(ts) (',
			dnsa_part_list(lo, hi, w), ', PARTITION pmax VALUES LESS THAN (MAXVALUE))');
		PREPARE s FROM @dnsa_q;
		EXECUTE s;
		DEALLOCATE PREPARE s;
	END IF;
END//

-- Retention and partitions ahead at time now_ts for every registered table: partitions
-- whose whole range is older than keep_* days are dropped (0 = keep forever), partitions
-- up to 3 ahead of now_ts are created (pmax is split: it is empty unless rows came from
-- beyond them). A table that is not partitioned (or not by RANGE COLUMNS(ts)) has its
-- expired rows deleted, 10000 per transaction. A table whose metadata lock is held (a
-- partner's open transaction) is given up after lock_wait_timeout (2 s), busy = 1, and
-- the tables after it are left too: the next run does them (at most one wait per run).
-- Not granted to anyone; tests and the bench call it with their own clock.
CREATE OR REPLACE PROCEDURE dnsa_partitions_at(IN now_ts DATETIME, IN keep_minute INT,
	IN keep_hour INT, IN keep_day INT, OUT dropped INT, OUT added INT, OUT deleted BIGINT,
	OUT busy INT)
	MODIFIES SQL DATA SQL SECURITY INVOKER
BEGIN
	DECLARE todo, one, names LONGTEXT;
	DECLARE tbl VARCHAR(64);
	DECLARE w VARCHAR(8);
	DECLARE g VARCHAR(8);
	DECLARE keep, n, nmax, waited INT;
	DECLARE last, want, cut DATETIME;
	DECLARE old_wait BIGINT DEFAULT @@SESSION.lock_wait_timeout;
	DECLARE CONTINUE HANDLER FOR 1205 SET waited = 1;
	SET dropped = 0, added = 0, deleted = 0, busy = 0;
	IF now_ts IS NULL OR keep_minute < 0 OR keep_hour < 0 OR keep_day < 0 THEN
		SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dnsa_partitions: bad time or retention';
	END IF;
	SET SESSION lock_wait_timeout = 2;
	-- names first, no cursor open across DDL (see 006 dnsa_seal_partner_views)
	SELECT GROUP_CONCAT(CONCAT(p.table_name, ':', p.grain, ':', p.width) ORDER BY p.table_name) INTO todo
		FROM partitioned_table p JOIN information_schema.TABLES t
		ON t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = p.table_name;
	WHILE COALESCE(todo, '') <> '' DO
		SET one = SUBSTRING_INDEX(todo, ',', 1);
		SET todo = IF(LOCATE(',', todo) > 0, SUBSTRING(todo, LOCATE(',', todo) + 1), '');
		SET tbl = SUBSTRING_INDEX(one, ':', 1);
		SET g = SUBSTRING_INDEX(SUBSTRING_INDEX(one, ':', 2), ':', -1);
		SET w = SUBSTRING_INDEX(one, ':', -1);
		SET keep = CASE g WHEN 'minute' THEN keep_minute WHEN 'hour' THEN keep_hour ELSE keep_day END;
		SET cut = now_ts - INTERVAL keep DAY;
		SET waited = 0;
		SELECT COUNT(*), SUM(PARTITION_DESCRIPTION = 'MAXVALUE'),
		       MAX(IF(PARTITION_DESCRIPTION = 'MAXVALUE', NULL, CAST(TRIM(BOTH '''' FROM PARTITION_DESCRIPTION) AS DATETIME)))
			INTO n, nmax, last
			FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = tbl
			AND PARTITION_NAME IS NOT NULL AND PARTITION_METHOD = 'RANGE COLUMNS'
			AND PARTITION_EXPRESSION = '`ts`';
		IF n > 0 THEN
			-- ahead: up to the start of the third partition after the one holding now_ts
			SET last = COALESCE(last, dnsa_part_start(now_ts, w));
			SET want = dnsa_part_start(IF(w = 'month', now_ts + INTERVAL 3 MONTH, now_ts + INTERVAL 3 DAY), w);
			IF last < want THEN
				SET @dnsa_q = CONCAT('ALTER TABLE `', tbl, '` ',
					IF(nmax > 0, 'REORGANIZE PARTITION pmax INTO (', 'ADD PARTITION ('),
					dnsa_part_list(last, want, w),
					IF(nmax > 0, ', PARTITION pmax VALUES LESS THAN (MAXVALUE))', ')'));
				PREPARE s FROM @dnsa_q;
				EXECUTE s;
				DEALLOCATE PREPARE s;
				IF waited = 0 THEN
					SET added = added + IF(w = 'month', TIMESTAMPDIFF(MONTH, last, want), TIMESTAMPDIFF(DAY, last, want));
				END IF;
			END IF;
			-- expired: partitions whose upper bound is at or before the cut (pmax never)
			IF keep > 0 AND waited = 0 THEN
				SELECT GROUP_CONCAT(PARTITION_NAME ORDER BY PARTITION_ORDINAL_POSITION), COUNT(*) INTO names, n
					FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = tbl
					AND PARTITION_NAME IS NOT NULL AND PARTITION_DESCRIPTION <> 'MAXVALUE'
					AND CAST(TRIM(BOTH '''' FROM PARTITION_DESCRIPTION) AS DATETIME) <= cut;
				IF n > 0 THEN
					SET @dnsa_q = CONCAT('ALTER TABLE `', tbl, '` DROP PARTITION ', names);
					PREPARE s FROM @dnsa_q;
					EXECUTE s;
					DEALLOCATE PREPARE s;
					IF waited = 0 THEN
						SET dropped = dropped + n;
					END IF;
				END IF;
			END IF;
		END IF;
		-- rows older than the cut left after that: all of a table not partitioned (by us),
		-- else only late rows from before the oldest partition's own range, which it took in
		-- (a by_ts probe that finds nothing, as a rule); the rows of its range wait for it
		IF keep > 0 AND waited = 0 THEN
			IF n > 0 THEN
				SELECT CAST(TRIM(BOTH '''' FROM PARTITION_DESCRIPTION) AS DATETIME) INTO last
					FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = tbl
					AND PARTITION_NAME IS NOT NULL ORDER BY PARTITION_ORDINAL_POSITION LIMIT 1;
				SET cut = LEAST(cut, COALESCE(IF(w = 'month', last - INTERVAL 1 MONTH, last - INTERVAL 1 DAY), cut));
			END IF;
			SET @dnsa_q = CONCAT('DELETE FROM `', tbl, '` WHERE ts < ? LIMIT 10000');
			PREPARE s FROM @dnsa_q;
			SET @dnsa_cut = cut, @dnsa_n = 10000;
			WHILE @dnsa_n = 10000 AND waited = 0 DO
				EXECUTE s USING @dnsa_cut;
				SET @dnsa_n = ROW_COUNT();
				COMMIT;
				SET deleted = deleted + GREATEST(@dnsa_n, 0);
			END WHILE;
			DEALLOCATE PREPARE s;
		END IF;
		-- one wait per run at most: the same partner transaction likely holds the others too
		IF waited THEN
			SET busy = 1, todo = '';
		END IF;
	END WHILE;
	SET SESSION lock_wait_timeout = old_wait;
END//

-- what the rollup calls at every run: the server's clock, its retention settings
CREATE OR REPLACE PROCEDURE dnsa_partitions(IN keep_minute INT, IN keep_hour INT, IN keep_day INT,
	OUT dropped INT, OUT added INT, OUT deleted BIGINT, OUT busy INT)
	MODIFIES SQL DATA SQL SECURITY DEFINER
BEGIN
	CALL dnsa_partitions_at(UTC_TIMESTAMP(), keep_minute, keep_hour, keep_day, dropped, added, deleted, busy);
END//
DELIMITER ;

-- every registered table that exists (names first: no cursor open across DDL)
DELIMITER //
CREATE OR REPLACE PROCEDURE dnsa_partition_all()
	MODIFIES SQL DATA SQL SECURITY INVOKER
BEGIN
	DECLARE todo LONGTEXT;
	SELECT GROUP_CONCAT(table_name ORDER BY table_name) INTO todo FROM partitioned_table;
	WHILE COALESCE(todo, '') <> '' DO
		CALL dnsa_partition_table(SUBSTRING_INDEX(todo, ',', 1));
		SET todo = IF(LOCATE(',', todo) > 0, SUBSTRING(todo, LOCATE(',', todo) + 1), '');
	END WHILE;
END//
DELIMITER ;
CALL dnsa_partition_all();
DROP PROCEDURE IF EXISTS dnsa_partition_all;

GRANT EXECUTE ON PROCEDURE dnsa_partitions TO dnsa_rollup;
