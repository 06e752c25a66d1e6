import missing from 'no-such-package-h20';
export const handler = async () => missing;
