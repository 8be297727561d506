import { EVENT_COLUMNS } from '@beacon/schema';
import { encodeCopyLine, escapeCopyText } from '../src/copy-text.js';

// Pure unit test of the COPY text encoder; the round trip through PostgreSQL is in writer.test.ts.
describe('COPY text encoder', () => {
  it('escapes exactly backslash, newline, carriage return and tab', () => {
    expect(escapeCopyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(escapeCopyText('\\N')).toBe('\\\\N');
    expect(escapeCopyText('"quotes" \'x\' 😀 中文 עברית')).toBe('"quotes" \'x\' 😀 中文 עברית');
  });

  it('writes one field per column, NULL as \\N, jsonb as JSON text, booleans as t/f', () => {
    const line = encodeCopyLine({
      id: '018f0000-0000-7000-8000-000000000000',
      site_id: 's',
      event_name: 'page_view',
      server_timestamp: '2026-11-25T10:00:00.000Z',
      is_vpn: true,
      is_proxy: false,
      time_on_page: 12,
      properties: { a: 'x\ty', b: '\\' },
      ecommerce_data: 'str',
    });
    expect(line.endsWith('\n')).toBe(true);
    const fields = line.slice(0, -1).split('\t');
    expect(fields).toHaveLength(EVENT_COLUMNS.length);
    const at = (name: string) => fields[EVENT_COLUMNS.findIndex((c) => c.name === name)];
    expect(at('site_id')).toBe('s');
    expect(at('user_agent')).toBe('\\N');
    expect(at('is_vpn')).toBe('t');
    expect(at('is_proxy')).toBe('f');
    expect(at('time_on_page')).toBe('12');
    expect(at('properties')).toBe('{"a":"x\\\\ty","b":"\\\\\\\\"}');
    expect(at('ecommerce_data')).toBe('"str"');
  });
});
