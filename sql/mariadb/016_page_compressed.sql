-- sql/mariadb/016_page_compressed.sql: the time-partitioned tables are InnoDB page compressed (PAGE_COMPRESSED=1): a year in a third of the disk.
-- Re-runnable and safe on a database with data: a table already page compressed is left as
-- it is; one up to 1 GB (data + indexes) is rebuilt now (ALTER TABLE ... PAGE_COMPRESSED=1,
-- online: reads and the rollup's writes go on, it needs that much free disk for the copy);
-- a bigger one is left uncompressed and named in the result of this file: compress it in a
-- quiet hour with CALL dnsa_compress_table('series_hour') (it rebuilds every partition, ~50K
-- rows/s here, and needs free disk for a copy of the table), or let retention replace it:
-- rows are equal either way, only their pages on disk differ.
--
-- Why: at 500 zones x 50 nodes a year is ~83 GB uncompressed (BENCHMARKS.md, 118 bytes/row);
-- page compression (zlib, MariaDB 10.11's default innodb_compression_algorithm) writes each
-- 16 KB page compressed and punches a hole for the rest (the file system must support hole
-- punching: ext4, XFS). The buffer pool holds pages uncompressed, so a query over cached
-- days costs the same; pages read from disk are inflated on the way (BENCHMARKS.md "Saved
-- queries under 1 s at 500 zones x 50 nodes, and a year in less disk" has both figures).
-- Partitions made later (dnsa_partitions_at) inherit the table's option.

DELIMITER //
-- page compress one table (all its partitions), if it exists and is not yet
CREATE OR REPLACE PROCEDURE dnsa_compress_table(tbl VARCHAR(64))
	MODIFIES SQL DATA SQL SECURITY INVOKER
BEGIN
	IF EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = tbl
	           AND ENGINE = 'InnoDB' AND LOCATE('`PAGE_COMPRESSED`=''1''', CREATE_OPTIONS) = 0) THEN
		SET @dnsa_q = CONCAT('ALTER TABLE `', tbl, '` PAGE_COMPRESSED=1');
		PREPARE s FROM @dnsa_q;
		EXECUTE s;
		DEALLOCATE PREPARE s;
	END IF;
END//

-- page compress every registered time table (013's partitioned_table) of at most max_bytes;
-- the names of the bigger ones, still uncompressed, in @dnsa_uncompressed
CREATE OR REPLACE PROCEDURE dnsa_compress_tables(max_bytes BIGINT UNSIGNED)
	MODIFIES SQL DATA SQL SECURITY INVOKER
BEGIN
	DECLARE todo, v VARCHAR(16000);
	SELECT GROUP_CONCAT(p.table_name ORDER BY p.table_name) INTO todo FROM partitioned_table p
		JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = p.table_name
		WHERE LOCATE('`PAGE_COMPRESSED`=''1''', t.CREATE_OPTIONS) = 0 AND t.DATA_LENGTH + t.INDEX_LENGTH <= max_bytes;
	WHILE COALESCE(todo, '') <> '' DO
		SET v = SUBSTRING_INDEX(todo, ',', 1);
		SET todo = IF(LOCATE(',', todo) > 0, SUBSTRING(todo, LOCATE(',', todo) + 1), '');
		CALL dnsa_compress_table(v);
	END WHILE;
	SELECT GROUP_CONCAT(p.table_name ORDER BY p.table_name) INTO @dnsa_uncompressed FROM partitioned_table p
		JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = p.table_name
		WHERE LOCATE('`PAGE_COMPRESSED`=''1''', t.CREATE_OPTIONS) = 0;
END//
DELIMITER ;

CALL dnsa_compress_tables(1000000000);
SELECT CONCAT('016: left uncompressed (over 1 GB; CALL dnsa_compress_table(''name'') in a quiet hour): ',
	@dnsa_uncompressed) AS notice FROM DUAL WHERE @dnsa_uncompressed IS NOT NULL;
