import { REGIONS } from '../../src/systems/hiring/constants.js';
import { ButtonLink } from '../ui/Button.js';
import { PageHeading } from '../ui/Layout.js';
import { Link, navigate } from '../ui/router.js';
import { HiringLayout } from './HiringLayout.js';
import { TrackForm } from './TrackForm.js';

const PERKS = [
  ['Your schedule', 'Pick the hours that suit you, a few a week or most days.'],
  ['Paid weekly', 'Earnings land in your account every week.'],
  ['Start quickly', 'Apply in about five minutes, then a short quiz and onboarding.'],
] as const;

export function Landing() {
  return (
    <HiringLayout>
      <section className="hero hero--hiring" aria-labelledby="hero-title">
        <div className="hero__inner">
          <p className="badge badge--accent">Now hiring in {REGIONS.length} regions</p>
          <PageHeading
            id="hero-title"
            lead="Shop for groceries and deliver them to people in your city: flexible hours, friendly customers, weekly pay. Applying takes about five minutes."
          >
            Become a shopper
          </PageHeading>
          <div className="btn-row" style={{ marginTop: 0 }}>
            <ButtonLink href="/hiring/apply" size="large">
              Apply now
            </ButtonLink>
            <a className="btn btn--ghost btn--large" href="#track">
              Already applied?
            </a>
          </div>
          <ul className="hero__points">
            {PERKS.map(([title, text]) => (
              <li key={title}>
                <span className="tick" aria-hidden="true">
                  ✓
                </span>
                <span>
                  <strong>{title}.</strong> {text}
                </span>
              </li>
            ))}
          </ul>
        </div>
      </section>

      <section className="card" aria-labelledby="how-heading">
        <h2 id="how-heading">How it works</h2>
        <ol className="how-steps">
          <li>
            <strong>Apply</strong>: tell us about yourself and agree to a background check.
          </li>
          <li>
            <strong>Quiz</strong>: a short quiz about picking great groceries.
          </li>
          <li>
            <strong>Onboarding</strong>: get your card and app set up, then start shopping.
          </li>
        </ol>
      </section>

      <section className="card" id="track" aria-labelledby="track-heading" tabIndex={-1}>
        <h2 id="track-heading">Track my application</h2>
        <p>
          Enter the email you applied with and the last four digits of the phone number on your application.
        </p>
        <TrackForm onSuccess={() => navigate('/hiring/application')} />
      </section>
    </HiringLayout>
  );
}

export function TrackPage() {
  return (
    <HiringLayout width="narrow">
      <PageHeading lead="Enter the email you applied with and the last four digits of the phone number on your application.">
        Track my application
      </PageHeading>
      <div className="card">
        <TrackForm onSuccess={() => navigate('/hiring/application')} />
      </div>
      <p>
        Haven't applied yet? <Link href="/hiring/apply">Apply now</Link>
      </p>
    </HiringLayout>
  );
}
