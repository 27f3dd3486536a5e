import { Field } from '../../components/field.js';
import { linesOf, useSectionForm } from '../../lib/use-section-form.js';
import { ListInput, SectionCard } from '../settings/section-card.js';

/** Sites whose cookies are always kept, so signing in keeps working. */
export function CookieAllowList() {
  const form = useSectionForm('privacy');
  return (
    <SectionCard title="Sites that keep their cookies" form={form}>
      <Field
        label="One site per line"
        error={form.error('cookieAllowList')}
        hint="Add the sites you sign in to. *.example.com includes its subdomains."
      >
        {({ id, describedBy, invalid }) => (
          <ListInput
            id={id}
            value={form.value('cookieAllowList') ?? []}
            describedBy={describedBy}
            invalid={invalid}
            rows={4}
            placeholder="mail.example.com"
            onChange={(t) => form.set('cookieAllowList', linesOf(t))}
          />
        )}
      </Field>
    </SectionCard>
  );
}
