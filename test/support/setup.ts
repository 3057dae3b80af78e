// Every date in the suite is read in UTC, whatever the machine's zone.
process.env.TZ = 'UTC';
