/** The npm `espeak-ng` package (an Emscripten module factory) has no types of its own. */
declare module 'espeak-ng' {
  const ESpeakNG: (options: {
    arguments: string[];
    print?: (line: string) => void;
    printErr?: (line: string) => void;
    // biome-ignore lint/suspicious/noExplicitAny: the Emscripten module is untyped
    preRun?: ((module: any) => void)[];
  }) => Promise<unknown>;
  export default ESpeakNG;
}
