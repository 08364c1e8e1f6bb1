import type { Actor } from '@deskgraph/events';
import { hasRole, type Identity, type Role } from '@deskgraph/platform';
import { KnowledgeError, KnowledgeErrorCode } from '../knowledge.errors';

/** Staff read every article (drafts, internal ones); customers and anonymous callers only published public ones. */
export function isKnowledgeStaff(identity: Identity): boolean {
  return hasRole(identity, 'agent', 'supervisor', 'admin', 'analyst', 'editor');
}

/** Who may do what in the knowledge base. */
export const KNOWLEDGE_PERMISSIONS = {
  proposeDraft: ['agent', 'supervisor', 'editor', 'admin'],
  editPublished: ['editor', 'admin'],
  review: ['editor', 'admin'],
  useOnTicket: ['agent', 'supervisor', 'editor', 'admin'],
  manageCategories: ['admin'],
  manageStandards: ['admin'],
  manageTemplates: ['editor', 'admin'],
  readStaffData: ['agent', 'supervisor', 'admin', 'analyst', 'editor'],
} satisfies Record<string, Role[]>;

export type KnowledgePermission = keyof typeof KNOWLEDGE_PERMISSIONS;

export function isSignedIn(identity: Identity): boolean {
  return identity.roles.length > 0;
}

export function requireSignedIn(identity: Identity): void {
  if (!isSignedIn(identity)) {
    throw new KnowledgeError(
      KnowledgeErrorCode.Unauthenticated,
      'Sign in: this operation needs a valid token.',
    );
  }
}

export function can(identity: Identity, permission: KnowledgePermission): boolean {
  return hasRole(identity, ...KNOWLEDGE_PERMISSIONS[permission]);
}

export function requirePermission(identity: Identity, permission: KnowledgePermission, action: string): void {
  requireSignedIn(identity);
  if (!can(identity, permission)) {
    throw new KnowledgeError(
      KnowledgeErrorCode.NotAllowed,
      `Only ${KNOWLEDGE_PERMISSIONS[permission].join(', ')} may ${action}.`,
    );
  }
}

const ACTOR_ROLE_ORDER: Role[] = ['editor', 'admin', 'supervisor', 'agent', 'analyst', 'customer'];

/** The role an event names as the actor: the most specific one the caller holds. */
export function actorOf(identity: Identity): Actor {
  const role = ACTOR_ROLE_ORDER.find((candidate) => identity.roles.includes(candidate)) ?? 'customer';
  return { id: identity.userId, role };
}
