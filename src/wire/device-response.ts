import { z } from 'zod';

/**
 * `POST /device` answer:
 * `{"device_code":"…","expires_in":1800,"interval":5,"user_code":"ABCDEFGH","verification_uri":"https://www.twitch.tv/activate?device-code=ABCDEFGH"}`.
 */
export const deviceResponseSchema = z.object({
  device_code: z.string().min(1),
  expires_in: z.number().positive(),
  interval: z.number().positive(),
  user_code: z.string().min(1),
  verification_uri: z.string().min(1),
});

/** The device answer as it arrives (snake_case wire type). */
export type DeviceResponse = z.output<typeof deviceResponseSchema>;
