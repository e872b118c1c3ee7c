// Placeholder so jest can start on this branch; the integration branch replaces it with the real setup.
export default async function globalSetup(): Promise<void> {}
