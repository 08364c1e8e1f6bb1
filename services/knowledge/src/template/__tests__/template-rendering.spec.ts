import { placeholdersIn, renderTemplate } from '../template-rendering';

describe('reply template rendering', () => {
  it('should fill known placeholders when values are given, with or without spaces in braces', () => {
    const rendered = renderTemplate('{{customer.name}}您好，工单 {{ ticket.number }} 已处理。', {
      'customer.name': '王芳',
      'ticket.number': '202611-001',
    });
    expect(rendered).toEqual({ text: '王芳您好，工单 202611-001 已处理。', missing: [], unknown: [] });
  });

  it('should leave a known placeholder as written and list it as missing when it has no value', () => {
    const rendered = renderTemplate('Dear {{customer.name}}, ticket {{ticket.number}}', {
      'ticket.number': '202611-002',
    });
    expect(rendered.text).toBe('Dear {{customer.name}}, ticket 202611-002');
    expect(rendered.missing).toEqual(['customer.name']);
  });

  it('should list unknown placeholders apart when the template uses names the service does not know', () => {
    const rendered = renderTemplate('Hi {{customer.nickname}} {{customer.nickname}}', {});
    expect(rendered.unknown).toEqual(['customer.nickname']);
    expect(rendered.text).toBe('Hi {{customer.nickname}} {{customer.nickname}}');
  });

  it('should insert values literally when they contain braces or dollar signs', () => {
    expect(renderTemplate('{{agent.name}}', { 'agent.name': '$& {{ticket.number}}' }).text).toBe(
      '$& {{ticket.number}}',
    );
  });

  it('should list each placeholder once in order of appearance when reading a template', () => {
    expect(placeholdersIn('{{a.b}} {{ticket.number}} {{a.b}}')).toEqual(['a.b', 'ticket.number']);
  });
});
