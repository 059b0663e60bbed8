/**
 * The image and speech providers the configuration names: the offline demos by default, or
 * OpenAI-compatible servers (`IMAGE_*`, `TTS_*`; OpenAI's own API when no base URL is set).
 * @module
 */
import type { Config } from '../config.ts';
import { DemoImageProvider } from './demo-image.ts';
import { DemoSpeechProvider } from './demo-speech.ts';
import { OpenAIImageProvider } from './openai-image.ts';
import { OpenAISpeechProvider } from './openai-speech.ts';
import type { ImageProvider, SpeechProvider } from './provider.ts';

export interface MediaProviders {
  image: ImageProvider;
  speech: SpeechProvider;
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export function createMediaProviders(config: Config): MediaProviders {
  return {
    image:
      config.IMAGE_PROVIDER === 'openai'
        ? new OpenAIImageProvider({
            baseUrl: config.IMAGE_BASE_URL ?? OPENAI_BASE_URL,
            apiKey: config.IMAGE_API_KEY,
            model: config.IMAGE_MODEL ?? 'gpt-image-1',
            partialImages: config.IMAGE_PARTIAL_IMAGES,
          })
        : new DemoImageProvider(config.DEMO_IMAGE_STEP_MS),
    speech:
      config.TTS_PROVIDER === 'openai'
        ? new OpenAISpeechProvider({
            baseUrl: config.TTS_BASE_URL ?? OPENAI_BASE_URL,
            apiKey: config.TTS_API_KEY,
            model: config.TTS_MODEL ?? 'gpt-4o-mini-tts',
            voice: config.TTS_VOICE ?? 'alloy',
            format: config.TTS_FORMAT,
          })
        : new DemoSpeechProvider(config.TTS_VOICE),
  };
}
