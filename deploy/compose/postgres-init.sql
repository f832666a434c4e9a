-- One database per service (each service owns its schema; DESIGN.md "Contexts and ownership").
-- The postgres image runs this once, when it initialises an empty data volume; on an existing volume it is
-- skipped, so a database added here later must be created by hand (docs/operations.md, "Running in containers").
CREATE DATABASE catalog;
CREATE DATABASE ideation;
CREATE DATABASE production;
CREATE DATABASE analysis;
