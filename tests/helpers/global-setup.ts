/** Placeholder for the shared jest global setup (the integration branch builds dist/ here); unit tests need nothing. */
export default async function globalSetup(): Promise<void> {}
