// A module whose init fails: the RIC reports it on /runtime/init/error.
throw new Error("cannot reach the config store");
export const handler = async () => "never";
