// Renders the files in `deploy-templates/` with one server's values. The template language is deliberately
// tiny: `{{name}}` substitutes a value, `{{#flag}}...{{/flag}}` keeps a block only when the flag is on. Every
// value is validated first (domain, ports, image names), so a rendered file can never carry shell or config
// injection, and every placeholder must have a value: a typo fails loudly instead of shipping `{{domian}}`.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConsoleError } from '../contracts/define.js';

export const templatesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy-templates');

export type TemplateValues = Record<string, string | number | boolean>;

export function renderTemplate(template: string, values: TemplateValues, templateName = 'template'): string {
  const withBlocks = template.replace(
    /^[ \t]*\{\{#(\w+)\}\}[ \t]*\n([\s\S]*?)^[ \t]*\{\{\/\1\}\}[ \t]*\n?/gm,
    (_m, flag: string, body: string) => {
      if (!(flag in values)) {
        throw new ConsoleError('TEMPLATE_VALUE_MISSING', `${templateName}: no value for block flag "${flag}"`);
      }
      return values[flag] ? body : '';
    },
  );
  return withBlocks.replace(/\{\{(\w+)\}\}/g, (_m, key: string) => {
    const value = values[key];
    if (value === undefined) {
      throw new ConsoleError('TEMPLATE_VALUE_MISSING', `${templateName}: no value for "{{${key}}}"`);
    }
    return String(value);
  });
}

export function readTemplate(relativePath: string, dir = templatesDir): string {
  return readFileSync(join(dir, relativePath), 'utf8');
}
