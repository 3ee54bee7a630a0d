/** The profiles a run takes (docs/interface.md), by name; lib/profiles.ts holds their settings. */
export const PROFILES = ["quick", "standard", "paper"] as const;
export type Profile = typeof PROFILES[number];
