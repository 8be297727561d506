import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** Adds a command (or a command group) to its parent. */
export type RegisterCommand = (parent: Command, ctx: () => CliContext) => void;

/** `beacon <name> …`: a command group whose subcommands each register themselves, in this order. */
export function commandGroup(
  name: string,
  description: string,
  subcommands: readonly RegisterCommand[],
): RegisterCommand {
  return (parent, ctx) => {
    const group = parent.command(name).description(description);
    for (const register of subcommands) register(group, ctx);
  };
}
