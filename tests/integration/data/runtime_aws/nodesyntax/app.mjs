export const handler = async (e) => {
  return {;
};
