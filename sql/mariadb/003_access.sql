-- sql/mariadb/003_access.sql: roles: partners read the zone views only, staff read everything, the rollup writes.
-- Accounts are made by tools/dnsa-partner (partner, staff) and get one of these roles
-- as their default role. Roles are server-wide names.
CREATE ROLE IF NOT EXISTS dnsa_partner;
CREATE ROLE IF NOT EXISTS dnsa_staff;
CREATE ROLE IF NOT EXISTS dnsa_rollup;

GRANT SELECT ON my_zones TO dnsa_partner;
GRANT SELECT ON zone_qps_minute TO dnsa_partner;
GRANT SELECT ON zone_qps_hour TO dnsa_partner;
GRANT SELECT ON zone_qps_day TO dnsa_partner;
GRANT SELECT ON zone_dim_minute TO dnsa_partner;
GRANT SELECT ON zone_dim_hour TO dnsa_partner;
GRANT SELECT ON zone_dim_day TO dnsa_partner;
GRANT SELECT ON zone_by_country_hour TO dnsa_partner;
GRANT SELECT ON zone_by_qtype_hour TO dnsa_partner;
GRANT SELECT ON zone_by_rcode_hour TO dnsa_partner;
GRANT SELECT ON zone_by_transport_hour TO dnsa_partner;
GRANT SELECT ON zone_by_ipver_hour TO dnsa_partner;
GRANT SELECT ON zone_by_edns_hour TO dnsa_partner;
GRANT SELECT ON zone_by_do_hour TO dnsa_partner;
GRANT SELECT ON zone_by_opcode_hour TO dnsa_partner;
GRANT SELECT ON zone_by_rsize_hour TO dnsa_partner;
GRANT SELECT ON zone_by_asn_hour TO dnsa_partner;
GRANT SELECT ON zone_by_asn_day TO dnsa_partner;
GRANT SELECT ON zone_by_country_day TO dnsa_partner;
GRANT SELECT ON zone_by_qtype_day TO dnsa_partner;
GRANT SELECT ON zone_by_rcode_day TO dnsa_partner;
GRANT SELECT ON zone_by_transport_day TO dnsa_partner;
GRANT SELECT ON zone_by_ipver_day TO dnsa_partner;
GRANT SELECT ON zone_nxdomain_share_minute TO dnsa_partner;
GRANT SELECT ON zone_nxdomain_share_hour TO dnsa_partner;
GRANT SELECT ON zone_nxdomain_share_day TO dnsa_partner;
GRANT SELECT ON zone_top_names_hour TO dnsa_partner;
GRANT SELECT ON zone_node_hour TO dnsa_partner;
GRANT SELECT ON zone_node_day TO dnsa_partner;

-- staff: every table and view of this database (the views also need staff_account)
GRANT SELECT ON * TO dnsa_staff;

-- the rollup: its tables only
GRANT SELECT, INSERT, UPDATE, DELETE ON zone TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON node TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON series_minute TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON series_hour TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON series_day TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON top_name_hour TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON node_counter_minute TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON node_counter_hour TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON node_counter_day TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON capd_last TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON rollup_checkpoint TO dnsa_rollup;
