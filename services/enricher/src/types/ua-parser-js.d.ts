// Types of the ua-parser-js 1.0.x API we use (the 1.x package ships none; @types/ua-parser-js targets 0.7).
declare module 'ua-parser-js' {
  interface IBrowser {
    name?: string;
    version?: string;
    major?: string;
  }
  interface IOS {
    name?: string;
    version?: string;
  }
  interface IDevice {
    vendor?: string;
    model?: string;
    type?: string;
  }
  interface IResult {
    ua: string;
    browser: IBrowser;
    os: IOS;
    device: IDevice;
    engine: { name?: string; version?: string };
    cpu: { architecture?: string };
  }
  class UAParser {
    constructor(ua?: string);
    setUA(ua: string): UAParser;
    getResult(): IResult;
    getBrowser(): IBrowser;
    getOS(): IOS;
    getDevice(): IDevice;
  }
  export default UAParser;
}
