import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '../../src/lib/config/service-config';

const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');

describe('.env.example', () => {
  it.each(CONFIG_VARIABLES.filter((name) => name !== 'ACCOUNT_SID'))(
    'documents %s with description, format and required comments',
    (name) => {
      const block = new RegExp(`# description: .+\\n# format: .+\\n# required: .+\\n${name}=`);
      expect(example).toMatch(block);
    },
  );

  it('holds no value that looks like a real credential', () => {
    expect(example).not.toMatch(/=(AC|SK)[0-9a-f]{32}/);
    expect(example).not.toMatch(/\$scrypt\$ln=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/]{10,}/);
  });
});
