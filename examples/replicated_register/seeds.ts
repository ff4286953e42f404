/**
 * The first seed on which the swarm catches the writer that counts
 * acknowledgement messages (seeds 0..999: caught on 12, see docs/examples.md).
 */
export const REGISTER_SWARM_BUG_SEED = '69'
/** The seeds of 0..199 on which it is caught. */
export const REGISTER_SWARM_BUG_CAUGHT_BELOW_200 = ['69', '97', '105', '116'] as const
