export const handler = async () => {
  console.log('info below WARN');
  console.warn('warned', 7);
  console.error(new RangeError('out of range'));
  return 'ok';
};
