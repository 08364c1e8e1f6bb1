import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ServiceLanguage, ServiceLanguageKind } from './service-language';

/** One forbidden phrase (with its standard wording) or required courtesy. */
@Entity({ name: 'service_language_rules' })
export class ServiceLanguageRuleEntity {
  @PrimaryColumn('integer')
  position: number;

  @Column('text')
  kind: ServiceLanguageKind;

  @Column('text')
  language: ServiceLanguage;

  @Column('text')
  phrase: string;

  @Column('text', { nullable: true })
  suggestion: string | null;
}
