import type { Command } from 'commander';
import { renderEnvExample } from '@beacon/config';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('configuration');
  config
    .command('env-example')
    .description('print .env.example: every variable with its default and meaning')
    .action(() => {
      process.stdout.write(renderEnvExample());
    });
}
