import { Layout, PageHeading } from '../ui/Layout.js';

/** What the server sends (status 404) for an address no page or API has, opened in a browser. */
export function NotFound() {
  return (
    <Layout
      nav={[
        { href: '/', label: 'Home' },
        { href: '/docs', label: 'API docs' },
      ]}
      width="narrow"
    >
      <PageHeading title="Page not found" lead="There is no page at this address.">
        Page not found
      </PageHeading>
      <section className="card">
        <p>
          Nothing lives at <code data-testid="missing-path">{window.location.pathname}</code>. The link may be
          old, or the address mistyped.
        </p>
        <ul className="link-list">
          <li>
            <a className="btn btn--primary" href="/">
              Go to the home page
            </a>
          </li>
        </ul>
      </section>
    </Layout>
  );
}
