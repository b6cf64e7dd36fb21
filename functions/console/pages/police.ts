import { type ConsoleRoute, memberRoute, page, redirect } from '../../../shared/console/app';
import type { Messages } from '../../../shared/console/i18n';
import { randomToken } from '../../../shared/console/session';
import { ConflictError, ValidationError } from '../../../shared/errors';
import { calendarDate } from '../../../shared/util/time';
import { createReferral } from '../../create-referral/create-referral';
import type { ConsoleDeps } from '../deps';
import { caseListPage } from './cases';
import {
  blankForm,
  FORM_WORDS,
  needsNewKey,
  readReferralForm,
  referralChoices,
  referralErrors,
  referralFormHtml,
} from './referral-form';

const T = {
  en: {
    referrals: 'Referrals',
    referralsLead: 'The referrals your unit made, oldest first. Open one to see its status and timeline.',
    referralsCaption: 'Your unit’s referrals',
  },
  sq: {
    referrals: 'Referimet',
    referralsLead:
      'Referimet që bëri njësia juaj, nga më i vjetri. Hapni një për të parë statusin dhe kronologjinë.',
    referralsCaption: 'Referimet e njësisë suaj',
  },
} satisfies Messages<unknown>;

/**
 * The police pages (DOMAIN.md stage 1): the referral form, which calls createReferral as
 * POST /referrals does, and the unit's referrals. Each case opens on the shared case page.
 */
export function policeRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    memberRoute('GET', '/console/referrals/new', ['police'], async (ctx) => {
      const choices = await referralChoices(deps, ctx);
      const state = blankForm(
        choices.regions.map((r) => r.value),
        calendarDate(ctx.now, deps.referrals.timeZone),
      );
      return page(FORM_WORDS[ctx.lang].title, referralFormHtml(deps, ctx, choices, state, new Map()));
    }),
    memberRoute('POST', '/console/referrals/new', ['police'], async (ctx) => {
      const { state, body, regionNotYours } = readReferralForm(ctx.req.form, ctx.caller.regions);
      try {
        // The key is the form's: a double click or a resend of the same form is one referral.
        const created = await createReferral(deps.referrals, {
          caller: ctx.caller,
          idempotencyKey: state.key || undefined,
          body,
        });
        return redirect(`/console/cases/${encodeURIComponent(created.caseId)}?created=1`);
      } catch (error) {
        const conflict = error instanceof ConflictError;
        if (!(error instanceof ValidationError) && !conflict) throw error;
        const errors = referralErrors(ctx.lang, conflict ? [] : error.issues, {
          regionNotYours,
          maxAgeDays: deps.referrals.interviewMaxAgeDays,
          sentBefore: conflict,
        });
        const choices = await referralChoices(deps, ctx);
        const again = needsNewKey(errors) ? { ...state, key: randomToken() } : state;
        return page(
          FORM_WORDS[ctx.lang].title,
          referralFormHtml(deps, ctx, choices, again, errors),
          conflict ? 409 : 400,
        );
      }
    }),
    memberRoute('GET', '/console/referrals', ['police'], async (ctx) => {
      const t = T[ctx.lang];
      return page(
        t.referrals,
        await caseListPage(deps, ctx, {
          path: '/console/referrals',
          lead: t.referralsLead,
          caption: t.referralsCaption,
        }),
      );
    }),
  ];
}
