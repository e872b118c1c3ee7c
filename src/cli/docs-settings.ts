/** npm run docs:settings: writes the settings' access table into docs/deploy-access.md from the settings registry. */
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsAccessTable, SETTINGS_TABLE_PAGE, withSettingsTable } from './settings-table';

const table = settingsAccessTable();
writeFileSync(SETTINGS_TABLE_PAGE, withSettingsTable(readFileSync(SETTINGS_TABLE_PAGE, 'utf8'), table));
process.stdout.write(`docs:settings: wrote ${table.length - 2} settings into ${SETTINGS_TABLE_PAGE}\n`);
