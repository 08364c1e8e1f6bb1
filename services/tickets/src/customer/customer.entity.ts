export const CHANNELS = ['PHONE', 'CHAT', 'EMAIL', 'APP', 'SOCIAL_MEDIA', 'WALK_IN', 'THIRD_PARTY'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CUSTOMER_TYPES = ['INDIVIDUAL', 'ENTERPRISE', 'PARTNER', 'INTERNAL'] as const;
export type CustomerType = (typeof CUSTOMER_TYPES)[number];
