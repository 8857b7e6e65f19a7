// A report thread that never finishes: restart.test.ts's child runs it so that it can be killed mid-report.
export default function run(): Promise<never> {
  return new Promise(() => undefined);
}
