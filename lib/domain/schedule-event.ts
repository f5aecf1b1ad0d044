import * as z from 'zod';

/**
 * The payload EventBridge Scheduler sends the fan-out function. `scheduledAt` is filled from
 * `<aws.scheduler.scheduled-time>`: the time the tick was due, not when it arrived.
 */
export const scheduleEventSchema = z.object({
  scheduledAt: z.iso.datetime({ offset: true }),
  source: z.string().optional(),
});
export type ScheduleEvent = z.input<typeof scheduleEventSchema>;

/** Parses a Scheduler payload; the error names the bad field and value. */
export function parseScheduleEvent(event: unknown): { scheduledAt: number } {
  const parsed = scheduleEventSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `invalid schedule event: ${issue?.path.join('.') || '(event)'}: ${issue?.message} (got ${JSON.stringify(issue?.input)})`,
    );
  }
  return { scheduledAt: Date.parse(parsed.data.scheduledAt) };
}
